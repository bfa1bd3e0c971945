package rule

import (
	"strings"
	"testing"
)

// TestTextAsIptablesTranslate checks texts where iptables-translate prints
// something nft reads with another meaning: Text is what
// iptables-translate prints, NftText keeps the rule's meaning, and a
// warning says so.
func TestTextAsIptablesTranslate(t *testing.T) {
	for _, c := range []struct {
		args, text, exact string
	}{
		// iptables-translate 1.8.11 carries the ! of --src-group over to
		// --dst-group.
		{`-m devgroup ! --src-group 0x2 --dst-group 0xc/0xc`, `iifgroup != 0x2 oifgroup and 0xc != 0xc counter`, `iifgroup != 0x2 oifgroup and 0xc == 0xc counter`},
		{`-m devgroup ! --src-group 0x2 --dst-group 0xc`, `iifgroup != 0x2 oifgroup != 0xc counter`, `iifgroup != 0x2 oifgroup 0xc counter`},
		{`-m devgroup ! --src-group 0x2 ! --dst-group 0xc`, `iifgroup != 0x2 oifgroup != 0xc counter`, ``},
		{`-m devgroup --src-group 0x2 ! --dst-group 0xc`, `iifgroup 0x2 oifgroup != 0xc counter`, ``},
	} {
		tr := translateArgs(t, IPv4, c.args)
		if tr == nil {
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: Text\n  got  %s\n  want %s", c.args, got, c.text)
		}
		exact, warned := c.exact, true
		if exact == "" {
			exact, warned = c.text, false
		}
		if got := tr.NftText(); got != exact {
			t.Errorf("%s: NftText\n  got  %s\n  want %s", c.args, got, exact)
		}
		if w := tr.Warnings(); (len(w) > 0) != warned {
			t.Errorf("%s: warnings %q, want some: %v", c.args, w, warned)
		}
	}
}

// TestCommentText checks that a comment is printed as iptables-translate
// prints it: between double quotes, without escapes, which nft does not
// undo.
func TestCommentText(t *testing.T) {
	for _, c := range []string{``, `back\slash`, `tab	here`, `it's`, `ünïcode`} {
		r, err := Parse(IPv4, []string{"-m", "comment", "--comment", c, "-j", "DROP"})
		if err != nil {
			t.Errorf("%q: %v", c, err)
			continue
		}
		tr, err := r.Translate()
		if err != nil {
			t.Fatal(err)
		}
		if want := `counter drop comment "` + c + `"`; tr.Text() != want {
			t.Errorf("comment %q:\n  got  %s\n  want %s", c, tr.Text(), want)
		}
		if !strings.HasSuffix(tr.NftText(), `"`+c+`"`) {
			t.Errorf("comment %q: NftText %s", c, tr.NftText())
		}
	}
}
