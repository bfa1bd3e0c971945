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
	assertConverges(t, ns, rs)
}
