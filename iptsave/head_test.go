package iptsave

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// TestParseHead: rules a file inserts at the top of a chain (-I, -I 1, or
// among the rules inserted so) are its prepended ones (firewall.Chain.Head),
// which go ahead of other programs' rules where the chain is shared; -A
// rules, and rules inserted further down, are appended; -D, -F and a
// second section of the table keep the count right.
func TestParseHead(t *testing.T) {
	for _, tc := range []struct {
		name, lines string
		head        int
	}{
		{"appends only", "-A INPUT -s 1.1.1.1 -j DROP\n-A INPUT -s 2.2.2.2 -j DROP\n", 0},
		{"inserts at the top", "-A INPUT -s 1.1.1.1 -j DROP\n-I INPUT -s 2.2.2.2 -j DROP\n-I INPUT 1 -s 3.3.3.3 -j DROP\n", 2},
		{"insert right after the prepended", "-I INPUT -s 1.1.1.1 -j DROP\n-A INPUT -s 2.2.2.2 -j DROP\n-I INPUT 2 -s 3.3.3.3 -j DROP\n", 2},
		{"insert among the appended", "-A INPUT -s 1.1.1.1 -j DROP\n-A INPUT -s 2.2.2.2 -j DROP\n-I INPUT 2 -s 3.3.3.3 -j DROP\n", 0},
		{"two rules of one line", "-A INPUT -s 1.1.1.1 -j DROP\n-I INPUT -s 2.2.2.2,3.3.3.3 -j DROP\n", 2},
		{"delete a prepended", "-A INPUT -s 1.1.1.1 -j DROP\n-I INPUT -s 2.2.2.2 -j DROP\n-I INPUT -s 3.3.3.3 -j DROP\n-D INPUT -s 2.2.2.2 -j DROP\n", 1},
		{"delete an appended", "-A INPUT -s 1.1.1.1 -j DROP\n-I INPUT -s 2.2.2.2 -j DROP\n-D INPUT 2\n", 1},
		{"flush", "-I INPUT -s 2.2.2.2 -j DROP\n-F INPUT\n-A INPUT -s 1.1.1.1 -j DROP\n", 0},
		{"second section", "-I INPUT -s 2.2.2.2 -j DROP\nCOMMIT\n*filter\n-A INPUT -s 1.1.1.1 -j DROP\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := Parse(strings.NewReader("*filter\n:INPUT ACCEPT [0:0]\n"+tc.lines+"COMMIT\n"), "f", rule.IPv4)
			if err != nil {
				t.Fatal(err)
			}
			c := rs.Chain(rule.IPv4, "filter", "INPUT")
			if c == nil {
				t.Fatal("no INPUT chain")
			}
			if c.Head != tc.head {
				t.Errorf("head %d, want %d", c.Head, tc.head)
			}
			if err := (&firewall.Ruleset{Chains: []*firewall.Chain{c}}).Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}
