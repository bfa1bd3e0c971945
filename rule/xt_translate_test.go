package rule

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule/xt"
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
		{IPv4, `-j LOG --log-prefix 'a"b' --log-level 7 --log-uid`, `counter log prefix "a"b" level debug flags skuid`, "xt target LOG"},
		{IPv4, `-m policy --pol none --dir out`, `xt match policy counter`, "xt match policy"},
		{IPv4, `-m owner --gid-owner 5 --suppl-groups ! --socket-exists`, `xt match owner counter`, "xt match owner"},
		{IPv4, `-j CONNMARK --save-mark --mask 0xff`, `counter ct mark set mark and 0xff`, "xt target CONNMARK"},
		{IPv4, `-j CONNMARK --restore-mark --nfmask 0xff`, `counter meta mark set ct mark`, "xt target CONNMARK"},
		{IPv4, `-j CONNMARK --save-mark --mask 0xff --right-shift-mark 2`, `counter ct mark set ( mark and 0xff ) >> 2`, "xt target CONNMARK"},
	} {
		tr := translateArgs(t, c.fam, c.args)
		if tr == nil {
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: text %q, want %q", c.args, got, c.text)
		}
		if !tr.Compat() || !strings.Contains(tr.NftText(), c.xt) {
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
// of a given name (TPROXY: mangle) is refused, naming that reason, while
// translate still prints its text.
func TestXtRefused(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args, want string
	}{
		{IPv4, `-p tcp -j TPROXY --on-port 1`, "translating -j TPROXY: the kernel's TPROXY target loads only in a table named mangle"},
		{IPv6, `-m rpfilter --loose`, "translating -m rpfilter: the kernel's rpfilter match loads only in a table named raw or mangle"},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Translate()
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrUnsupported saying %q", c.args, err, c.want)
		}
		if _, err := r.TranslateExprs(); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: TranslateExprs: %v; want ErrUnsupported", c.args, err)
		}
		// translate still prints iptables-translate's text, with a warning.
		tr, err := r.translateText()
		if err != nil || len(tr.Warnings()) == 0 || !strings.Contains(tr.Warnings()[0], "nftsync cannot install this rule") {
			t.Errorf("%s: translateText: %v, %v; want the text and a warning", c.args, tr, err)
		}
	}
}

// TestXtCanonicalRoundTrip checks that the iptables-save form of a rule
// with an xt extension parses back to the same info bytes: what `list`
// prints and apply reads again installs the same rule.
func TestXtCanonicalRoundTrip(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		{IPv4, `-m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24`},
		{IPv4, `-m hashlimit --hashlimit 300 --hashlimit-burst 15 --hashlimit-mode srcip|dstip --hashlimit-name h --hashlimit-htable-expire 300000`},
		{IPv4, `-m hashlimit --hashlimit-upto 7/m --hashlimit-name b --hashlimit-rate-match`},
		{IPv4, `-m hashlimit ! --hashlimit-upto 3/h --hashlimit-name b --hashlimit-rate-match --hashlimit-rate-interval 9`},
		{IPv6, `-m hashlimit --hashlimit-upto 123456b/s --hashlimit-burst 1000000 --hashlimit-name e`},
		{IPv6, `-m hashlimit --hashlimit-upto 999999/s --hashlimit-name e --hashlimit-srcmask 0`},
		{IPv4, `-m connlimit ! --connlimit-above 5 --connlimit-daddr`},
		{IPv4, `-m cluster --cluster-total-nodes 3 --cluster-local-node 3 --cluster-hash-seed 7`},
		{IPv6, `-m owner ! --gid-owner 4-9`},
		{IPv4, `-m owner --gid-owner 5 --suppl-groups ! --socket-exists --uid-owner 7`},
		{IPv4, `-m connbytes ! --connbytes 10 --connbytes-mode packets --connbytes-dir reply`},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		again, err := ParseString(c.fam, r.String())
		if err != nil {
			t.Errorf("%s: its iptables-save form %q: %v", c.args, r.String(), err)
			continue
		}
		a, b := xtBytes(t, r), xtBytes(t, again)
		if a == "" || a != b {
			t.Errorf("%s: info %s, from its iptables-save form %q: %s", c.args, a, r.String(), b)
		}
	}
}

// xtBytes returns the info of the rule's xt statement, in hex.
func xtBytes(t *testing.T, r *Rule) string {
	t.Helper()
	tr, err := r.TranslateExprs()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.Stmts {
		if s.Xt != "" {
			_, _, _, info, _ := xt.Info(s.Exprs[0])
			return fmt.Sprintf("%x", info)
		}
	}
	return ""
}

// The xt extensions' rules seed FuzzParse (fuzz_test.go) too.
func init() {
	fuzzSeeds = append(fuzzSeeds,
		`-m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24`,
		`-m hashlimit --hashlimit-upto 7/m --hashlimit-name b --hashlimit-rate-match --hashlimit-rate-interval 3`,
		`-m connlimit ! --connlimit-upto 5 --connlimit-mask 16 --connlimit-daddr`,
		`-m cluster --cluster-total-nodes 4 ! --cluster-local-nodemask 5 --cluster-hash-seed 0x1`,
		`-m owner --gid-owner 5 --suppl-groups ! --socket-exists`,
		`-m rpfilter --loose --invert`,
		`-m policy --dir out --pol none`,
		`-j CONNMARK --save-mark --nfmask 0xf --ctmask 0xf0 --left-shift-mark 4`,
		`-j LOG --log-prefix 'a"b\\'`,
		`-j TOS --set-tos 0x12/0x34`,
	)
	fuzzSeeds6 = append(fuzzSeeds6, `-m hashlimit --hashlimit-upto 10mb/s --hashlimit-mode srcip,dstport --hashlimit-srcmask 64 --hashlimit-name d`)
}

// FuzzXtRoundTrip checks, for any rule that parses, that its
// iptables-save form installs the same xt info bytes: `list` fed back to
// apply changes nothing.
func FuzzXtRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(uint8(IPv4), s)
	}
	for _, s := range fuzzSeeds6 {
		f.Add(uint8(IPv6), s)
	}
	f.Fuzz(func(t *testing.T, famByte uint8, s string) {
		fam := Family(famByte % 2)
		r, err := ParseString(fam, s)
		if err != nil {
			return
		}
		again, err := Parse(fam, r.Args())
		if err != nil {
			t.Fatalf("%q parses, but its Args %q do not: %v", s, r.Args(), err)
		}
		if _, err := r.TranslateExprs(); err != nil {
			return
		}
		if a, b := xtBytes(t, r), xtBytes(t, again); a != b {
			t.Fatalf("%q: info %s, from its iptables-save form %q: %s", s, a, r.String(), b)
		}
	})
}
