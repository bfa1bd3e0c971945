package rule

import (
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// matchOracleCases cover every statement form the match extensions emit:
// single values, ranges (== and !=), masks, flags, sets (plain, interval,
// concatenated, inverted) and both families.
var matchOracleCases = []OracleCase{
	// tcp
	{IPv4, `-p tcp --dport 53:66 -j DROP`},
	{IPv4, `-p tcp --tcp-option 23`},
	{IPv4, `-p tcp ! --tcp-option 2 --dport 22`},
	{IPv4, `-p tcp --tcp-flags ALL NONE`},
	{IPv4, `-p tcp --tcp-flags NONE NONE`},
	{IPv6, `-p tcp ! --sport 1:1023 --tcp-flags SYN,RST SYN`},
	// sctp
	{IPv4, `-p sctp --sport 80:100 ! --dport 50:56 -j ACCEPT`},
	{IPv4, `-p sctp --chunk-types all INIT,DATA:iUbE,SACK,ABORT:T -j ACCEPT`},
	// "--chunk-types only" lists i-data, re-config, pad and i-forward-tsn,
	// which nft 1.0.6 cannot parse; the corpus checks its text.
	{IPv6, `-p sctp --dport 9 --chunk-types all SHUTDOWN_COMPLETE:T,ASCONF -j ACCEPT`},
	{IPv4, `-p sctp`},
	// multiport
	{IPv4, `-p tcp -m multiport --dports 80,81 -j ACCEPT`},
	{IPv4, `-p udp -m multiport ! --sports 53,67,123`},
	{IPv4, `-p tcp -m multiport --dports 80,81:90,22,443:65535`},
	{IPv6, `-p tcp -m multiport ! --dports 1:1023,8080`},
	{IPv4, `-p tcp -m multiport --dports 80:88 -j ACCEPT`},
	{IPv4, `-p tcp -m multiport ! --sports 80:88`},
	{IPv4, `-p tcp -m multiport --ports 10`},
	{IPv6, `-p udp -m multiport ! --ports 53,1000:2000`},
	// icmp, icmp6
	{IPv4, `-p icmp --icmp-type echo-request -j ACCEPT`},
	{IPv4, `-m icmp ! --icmp-type 3 -j ACCEPT`},
	{IPv4, `-m icmp --icmp-type any -j ACCEPT`},
	{IPv6, `-p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT`},
	{IPv6, `-m icmp6 ! --icmpv6-type packet-too-big`},
	// conntrack, state
	{IPv4, `-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`},
	{IPv6, `-m conntrack ! --ctstate INVALID,UNTRACKED -j DROP`},
	{IPv4, `-m state --state NEW`},
	{IPv4, `-m conntrack --ctstate SNAT`},
	{IPv4, `-m conntrack --ctstate DNAT`},
	{IPv4, `-m conntrack --ctstatus EXPECTED,SEEN_REPLY`},
	{IPv4, `-m conntrack ! --ctstatus CONFIRMED`},
	{IPv4, `-m conntrack --ctproto udp --ctdir REPLY`},
	{IPv4, `-m conntrack ! --ctproto tcp --ctdir ORIGINAL`},
	{IPv4, `-m conntrack --ctexpire 3`},
	{IPv4, `-m conntrack ! --ctexpire 3`},
	{IPv4, `-m conntrack --ctexpire 3:10`},
	{IPv4, `-m conntrack ! --ctexpire 3:10`},
	{IPv4, `-m conntrack --ctorigsrc 10.100.2.131 ! --ctorigdst 10.0.0.0/8 --ctreplsrc 10.96.0.0/12 ! --ctrepldst 192.168.0.0/23`},
	{IPv6, `-m conntrack --ctorigsrc fd00::/8 ! --ctrepldst fd00::1 --ctreplsrc fd00::/12`},
	{IPv4, `-m conntrack --ctproto tcp --ctorigsrcport 443:444 ! --ctorigdstport 80 --ctreplsrcport 5 ! --ctrepldstport 1:2`},
	// mark, connmark
	{IPv4, `-p tcp -m mark ! --mark 0xa/0xa`},
	{IPv4, `-m mark --mark 1`},
	{IPv6, `-m mark ! --mark 0x10/0xff`},
	{IPv4, `-m connmark --mark 10/10 -j ACCEPT`},
	{IPv6, `-m connmark ! --mark 2 -j ACCEPT`},
	// addrtype
	{IPv4, `-m addrtype --src-type LOCAL`},
	{IPv4, `-m addrtype ! --dst-type ANYCAST,LOCAL`},
	{IPv4, `-m addrtype --dst-type ANYCAST,LOCAL --limit-iface-in`},
	{IPv4, `-m addrtype ! --src-type UNICAST --limit-iface-out`},
	// limit
	{IPv4, `-m limit --limit 3/m --limit-burst 3`},
	{IPv4, `-m limit --limit 10/s --limit-burst 0`},
	{IPv6, `-m limit`},
	{IPv4, `-m limit --limit 7/day -j ACCEPT`},
	// iprange
	{IPv4, `-m iprange --src-range 192.168.25.149-192.168.25.151 ! --dst-range 3.3.3.3-6.6.6.6`},
	{IPv6, `-m iprange ! --src-range ::2d01-::2d03 --dst-range fd00::1-fd00::1`},
	// pkttype
	{IPv4, `-m pkttype --pkt-type broadcast -j DROP`},
	{IPv6, `-m pkttype ! --pkt-type unicast`},
	{IPv4, `-m pkttype --pkt-type otherhost`},
	// length
	{IPv4, `-p icmp -m length --length 86:0xffff -j DROP`},
	{IPv4, `-p udp -m length ! --length :400`},
	{IPv6, `-m length --length 40`},
	{IPv6, `-m length ! --length 40`},
	// ttl, hl, cpu, cgroup, helper, devgroup
	{IPv4, `-m ttl --ttl-eq 3 -j ACCEPT`},
	{IPv4, `-m ttl ! --ttl-eq 3`},
	{IPv4, `-m ttl --ttl-lt 5`},
	{IPv6, `-m hl --hl-gt 3`},
	{IPv4, `-p tcp --dport 80 -m cpu ! --cpu 1 -j ACCEPT`},
	{IPv6, `-m cgroup --cgroup 0x100001`},
	// helper is installed as xt helper: kernel_xt_fallback_test.go.
	{IPv4, `-m devgroup ! --src-group 0x2 --dst-group 0xc/0xc -j ACCEPT`},
}

func TestKernelMatchExtensions(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, matchOracleCases)
}
