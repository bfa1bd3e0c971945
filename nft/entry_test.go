package nft

import (
	"bytes"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestEntryLayout: an entry holds its expressions, userdata and compat
// attribute in one body, and reads each back from it, with and without a
// compat attribute.
func TestEntryLayout(t *testing.T) {
	for _, args := range []string{
		`-p tcp -m owner ! --uid-owner 1 -m comment --comment "with compat"`,
		`-p tcp -m owner --uid-owner 1 -j ACCEPT`,
		`-s 10.0.0.1 -j DROP`,
	} {
		r, err := rule.ParseString(rule.IPv4, args)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		ud, pieces, err := storeRule(r, tr)
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEntry(r, r.String(), newExprMemo())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e.compat(), compatAttr(r, tr); !bytes.Equal(got, want) {
			t.Errorf("%s: compat %x, want %x", args, got, want)
		}
		if got := e.userdata(); !bytes.Equal(got, ud) {
			t.Errorf("%s: userdata %q, want %q", args, got, ud)
		}
		if got, want := len(e.installed()), len(tr.Exprs())+len(pieces); got != want {
			t.Errorf("%s: %d expressions, want %d", args, got, want)
		}
	}
}
