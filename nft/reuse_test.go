package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// TestCompileReusesByPlace: a desired state passed again with its rules
// shifted (one inserted at the front, twenty deleted from the middle)
// finds every unchanged rule's entry from the previous compile (by place,
// or by text for the few right after the gap), and only the one new rule
// is translated.
func TestCompileReusesByPlace(t *testing.T) {
	rs := largeRuleset(t, 200)
	cache := newRuleCache()
	d1, err := compile("o", rs, cache)
	if err != nil {
		t.Fatal(err)
	}
	before := cache.bySpec.len()
	old := d1.byID[tableID{rule.IPv4, "filter"}].byName["BIG"].rules
	big := *rs.Chains[1]
	front := chain(t, rule.IPv4, "filter", "BIG", "", "-s 192.0.2.1 -j DROP").Rules[0]
	big.Rules = append([]firewall.Rule{front}, big.Rules[:100]...)
	big.Rules = append(big.Rules, rs.Chains[1].Rules[120:]...)
	rs2 := &firewall.Ruleset{Chains: []*firewall.Chain{rs.Chains[0], &big}}
	d2, err := compile("o", rs2, cache)
	if err != nil {
		t.Fatal(err)
	}
	now := d2.byID[tableID{rule.IPv4, "filter"}].byName["BIG"].rules
	if len(now) != 181 {
		t.Fatalf("%d rules", len(now))
	}
	if now[0].ent.text() != "-s 192.0.2.1/32 -j DROP" {
		t.Errorf("new rule's entry is %q", now[0].ent.text())
	}
	for i, w := range now[1:] {
		j := i
		if i >= 100 {
			j = i + 20
		}
		if w.ent != old[j].ent {
			t.Fatalf("rule %d (%s) has a new entry, want rule %d's", i+1, w.ent.text(), j)
		}
	}
	// By place alone: all but the new rule and the few right after the gap.
	h, hits := d1.chain(tableID{rule.IPv4, "filter"}, "BIG"), 0
	for i, r := range big.Rules {
		if w := h.find(i, r.Spec); w != nil {
			hits++
		}
	}
	if hits < 180-realignAfter {
		t.Errorf("%d rules found by place, want at least %d", hits, 180-realignAfter)
	}
	if cache.bySpec.len() != before+1 {
		t.Errorf("%d entries, want %d (one new rule)", cache.bySpec.len(), before+1)
	}
}
