package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/parallel"
	"github.com/nftsync/nftsync/rule"
)

// TestFillSharesEqualRules checks that the rules of one compile that are
// equal (parsed apart) share one entry, and that the others do not, on
// one goroutine and on several.
func TestFillSharesEqualRules(t *testing.T) {
	for _, n := range []int{3, 3 * parallel.Min} {
		var specs []string
		for i := 0; i < n; i++ {
			specs = append(specs, []string{"-p tcp --dport 22 -j ACCEPT", "-p tcp --dport 23 -j ACCEPT", "-j DROP"}[i%3])
		}
		c := chain(t, rule.IPv4, "filter", "X", "", specs...)
		d, err := compile("o", &firewall.Ruleset{Chains: []*firewall.Chain{c}}, newRuleCache())
		if err != nil {
			t.Fatal(err)
		}
		rules := d.tables[0].chains[0].rules
		for i, w := range rules {
			if w.ent != rules[i%3].ent {
				t.Fatalf("%d rules: rule %d has its own entry", n, i)
			}
		}
		if rules[0].ent == rules[1].ent || rules[1].ent == rules[2].ent || len(d.built) != 3 {
			t.Errorf("%d rules: %d entries built, want 3 distinct", n, len(d.built))
		}
		for i, w := range rules[:3] {
			if got, want := d.text(w.ent), w.ent.text(); got != want {
				t.Errorf("%d rules: rule %d named %q, want %q", n, i, got, want)
			}
		}
	}
}
