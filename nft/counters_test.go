package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestStartingCountersConverge: rules that differ only by the counters
// they start from (-c) share their userdata; a dumped rule must be
// recognised as any of them. A rule with -c beside the same rule without
// it used to be re-added on every apply (property test, seed 2).
func TestStartingCountersConverge(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "OUTPUT", "", `-j ACCEPT`),
		chain(t, rule.IPv4, "filter", "FORWARD", "", `-c 1 0 -j ACCEPT`),
		chain(t, rule.IPv4, "filter", "INPUT", "", `-c 5 7 -p tcp -j ACCEPT`, `-p tcp -j ACCEPT`, `-c 2 0 -p tcp -j ACCEPT`),
		chain(t, rule.IPv6, "filter", "INPUT", "", `-c 3 0 -j DROP`, `-c 4 0 -j DROP`),
	}}
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	handles := func() string {
		return ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-filter") + ns.Exec("nft", "-a", "list", "table", "ip6", "nftsync-filter")
	}
	before := handles()
	ns.NFT("add table ip unrelated")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("forced dump plans changes:\n%s", p)
	}
	b.Close()
	fresh, _ := newBackend(t, ns)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("a fresh backend plans changes:\n%s", p)
	}
	if after := handles(); after != before {
		t.Errorf("handles changed:\n%s\nthen\n%s", before, after)
	}
}
