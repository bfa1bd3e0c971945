package rule

import (
	"errors"
	"strings"
	"testing"
)

// TestXtTranslate checks the rules installed as xtables extensions: the
// text is iptables-translate's, one warning names the extension installed
// instead, NftText is the xt statement nft lists (and cannot read), and
// the expressions are one nft_compat match or target.
func TestXtTranslate(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args, text string
		xt         string
	}{
		{IPv4, `-m owner ! --uid-owner 1000`, `skuid != 1000 counter`, "xt match owner"},
		{IPv6, `-m owner --uid-owner 1 ! --gid-owner 2-3 -j ACCEPT`, `skuid 1 skgid != 2-3 counter accept`, "xt match owner"},
	} {
		tr := translateArgs(t, c.fam, c.args)
		if tr == nil {
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: text %q, want %q", c.args, got, c.text)
		}
		if !tr.Compat() || !strings.HasPrefix(tr.NftText(), c.xt+" ") {
			t.Errorf("%s: Compat() = %v, NftText() = %q; want an %s statement", c.args, tr.Compat(), tr.NftText(), c.xt)
		}
		if w := tr.Warnings(); len(w) != 1 || !strings.Contains(w[0], "'"+c.xt+"'") {
			t.Errorf("%s: warnings %q, want one naming %s", c.args, w, c.xt)
		}
		exprs, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := exprs.TranslateExprs()
		if err != nil || !ex.Compat() {
			t.Errorf("%s: TranslateExprs() = %v, %v; want an xt statement", c.args, ex, err)
		}
	}
	// Without a negated option, the native statements are exact.
	if tr := translateArgs(t, IPv4, `-m owner --uid-owner 1000`); tr != nil && tr.Compat() {
		t.Errorf("owner without negation installed as xt: %q", tr.NftText())
	}
}

// TestXtRefused checks that an extension the kernel loads only in a table
// of a given name (TPROXY: mangle) is refused, naming that reason.
func TestXtRefused(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args, want string
	}{
		{IPv4, `-p tcp -j TPROXY --on-port 1`, "only in a table named mangle"},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Translate()
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrUnsupported saying %q", c.args, err, c.want)
		}
	}
}
