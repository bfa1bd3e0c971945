package nft

import (
	"fmt"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestSpareDesired: Applies one after another, each with a rule changed,
// inserted or deleted (the parsed rules shared as the controller shares
// them), in segments of 4 rules and kept whole, fill the slices of the
// compiled state before the last: every Apply converges, Read gives the
// desired rules, and an earlier Ruleset applied again does too.
func TestSpareDesired(t *testing.T) {
	for _, seg := range []int{0, 4} {
		t.Run(fmt.Sprintf("segments=%d", seg), func(t *testing.T) {
			ns := netnstest.New(t)
			b, _ := newBackend(t, ns, WithSegments(seg))
			base := largeRuleset(t, 40)
			edit := func(rs *firewall.Ruleset, k int) *firewall.Ruleset {
				big := *rs.Chains[1]
				rules := append([]firewall.Rule(nil), big.Rules...)
				r, err := rule.ParseString(rule.IPv4, fmt.Sprintf("-s 192.0.2.%d -j DROP", k))
				if err != nil {
					t.Fatal(err)
				}
				switch at := (k * 7) % len(rules); k % 3 {
				case 0:
					rules[at] = firewall.Rule{Spec: r}
				case 1:
					rules = append(rules[:at], append([]firewall.Rule{{Spec: r}}, rules[at:]...)...)
				default:
					rules = append(rules[:at], rules[at+1:]...)
				}
				big.Rules = rules
				return &firewall.Ruleset{Chains: []*firewall.Chain{rs.Chains[0], &big}}
			}
			var applied []*firewall.Ruleset
			arenas := map[*wantRule]bool{}
			reused := 0
			rs := base
			for k := 1; k <= 12; k++ {
				rs = edit(rs, k)
				apply(t, b, rs)
				if a := &b.lastD.arena[0]; arenas[a] {
					reused++
				} else {
					arenas[a] = true
				}
				checkConverged(t, ns, b, rs)
				applied = append(applied, rs)
			}
			if reused == 0 {
				t.Error("no Apply filled the slices of an earlier compiled state")
			}
			for _, k := range []int{2, 7} {
				apply(t, b, applied[k])
				checkConverged(t, ns, b, applied[k])
			}
		})
	}
}
