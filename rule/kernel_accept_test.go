package rule

import (
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// acceptOracleCases are inputs iptables accepts that nftsync once refused
// or translated with another text: nft must build the same expressions
// from their text as nftsync installs.
var acceptOracleCases = []OracleCase{
	// ICMP codes: one two-byte test of type and code, negated as a whole.
	{IPv4, `-p icmp --icmp-type 3/4 -j DROP`},
	{IPv4, `-p icmp ! --icmp-type fragmentation-needed -j DROP`},
	{IPv4, `-m icmp ! --icmp-type 3/4`},
	{IPv4, `-p icmp --icmp-type frag`},
	{IPv4, `-p icmp --icmp-type 42`},
	{IPv6, `-p ipv6-icmp --icmpv6-type 1/3 -j DROP`},
	{IPv6, `-p ipv6-icmp ! --icmpv6-type no-route -j DROP`},
	{IPv6, `-p ipv6-icmp --icmpv6-type 200`},
	// NAT to a port only: the address is kept.
	{IPv4, `-p tcp -j SNAT --to-source :80`},
	{IPv4, `-p udp -j DNAT --to-destination :53-54`},
	{IPv6, `-p udp -j SNAT --to-source :80-90 --random`},
	{IPv6, `-p tcp -j DNAT --to-destination :8080`},
	// IPv4-mapped IPv6 addresses stay IPv6.
	{IPv6, `-s ::ffff:10.0.0.1 -d ::ffff:10.0.0.0/104 -j DROP`},
	{IPv6, `-m iprange --src-range ::ffff:1.1.1.1-::ffff:1.1.1.5 -j DROP`},
	{IPv6, `-p tcp -j DNAT --to-destination [::ffff:10.0.0.1]:80`},
	// Texts: an unescaped comment, NFLOG's queue threshold, devgroup.
	{IPv4, `-m comment --comment "back\\slash" -j ACCEPT`},
	{IPv4, `-p sctp -m comment --comment "" -j DROP`},
	{IPv4, `-m comment --comment a -m comment --comment b -j DROP`},
	{IPv4, `-j NFLOG --nflog-threshold 1`},
	{IPv4, `-m devgroup ! --src-group 0x2 --dst-group 0xc/0xc -j ACCEPT`},
}

func TestKernelAcceptedInputs(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, acceptOracleCases)
}
