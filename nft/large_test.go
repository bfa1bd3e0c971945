package nft

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// LargeRuleset returns n distinct rules of the shape the design notes
// measure (`ip saddr X tcp dport P counter accept comment "..."`), spread
// over a user chain jumped to from FORWARD, in IPv4 filter.
func largeRuleset(tb testing.TB, n int) *firewall.Ruleset {
	tb.Helper()
	c := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "BIG"}
	for i := 0; i < n; i++ {
		s := fmt.Sprintf(`-s 10.%d.%d.%d/32 -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`,
			i>>16&255, i>>8&255, i&255, 1024+i%50000, i)
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			tb.Fatal(err)
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: r})
	}
	fwd := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "FORWARD"}
	j, err := rule.ParseString(rule.IPv4, "-j BIG")
	if err != nil {
		tb.Fatal(err)
	}
	fwd.Rules = []firewall.Rule{{Spec: j}}
	return &firewall.Ruleset{Chains: []*firewall.Chain{fwd, c}}
}

// Test100kRulesOneBatch applies 100k rules in one batch and checks that a
// forced re-read recognises all of them.
func Test100kRulesOneBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := largeRuleset(t, 100000)
	p := apply(t, b, rs)
	if len(p.Changes) != 100003 || obs.Get("batch") != 1 {
		t.Fatalf("cold apply: %d changes in %d batches, want 100003 in 1", len(p.Changes), obs.Get("batch"))
	}
	ns.NFT("add table ip unrelated")
	obs.Take()
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("forced re-read of 100k rules: %d changes", len(p.Changes))
	}
	// One table dump, one chain dump, one rule dump per chain (readRules).
	chains := strings.Count(ns.Exec("nft", "list", "chains", "ip"), "\tchain ")
	if want := 2 + chains; obs.Get("dump") != want || obs.Get("batch") != 0 {
		t.Errorf("forced re-read observed %v, want %d dumps (%d chains) and no batch", obs.Take(), want, chains)
	}
}
