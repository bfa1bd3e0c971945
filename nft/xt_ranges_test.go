package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestXtInvertedRangesConverge applies iprange and length rules with an
// inverted range, which iptables-legacy accepts and nft refuses, so that
// nftsync installs xt_iprange and xt_length: apply, forced dump and a
// fresh backend plan nothing, handles stay, Read returns the rules.
func TestXtInvertedRangesConverge(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "OUTPUT", "",
			`-m iprange --src-range 10.0.0.9-10.0.0.1 -j ACCEPT`,
			`-p udp -m iprange --src-range 1.1.1.1 ! --dst-range 10.0.0.9-10.0.0.1 -m length --length 28 -j DROP`,
			`-m length --length 100:50`),
		chain(t, rule.IPv6, "filter", "INPUT", "",
			`-m length ! --length 65535:0 -j DROP`,
			`-m iprange --src-range ::2-::1 -m comment --comment inverted`),
	}}
	fresh := assertConverges(t, ns, rs)
	assertReadBack(t, fresh, rs)
}
