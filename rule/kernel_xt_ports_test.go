package rule

// xtPortCases are rules of sctp, dccp and frag that nftsync installs as
// xt_sctp, xt_dccp and ip6t_frag (nft has no exact statement: negated or
// "any" chunk lists, NONE and ALL, --dccp-option, an inverted dccp port
// range, --fraglen), which iptables-nft writes as the same xt match.
// TestKernelXtInfo proves their bytes against iptables-nft's.
var xtPortCases = []xtCase{
	{IPv4, "filter", "INPUT", "-p sctp -m sctp --dport 80 ! --chunk-types all DATA:Be,INIT,ABORT:T"},
	{IPv6, "filter", "OUTPUT", "-p sctp -m sctp ! --sport 22:80 --chunk-types any INIT,SACK"},
	{IPv4, "filter", "FORWARD", "-p sctp -m sctp --chunk-types only ALL"},
	{IPv4, "filter", "OUTPUT", "-p sctp -m sctp --chunk-types all NONE"},
	{IPv6, "filter", "INPUT", "-p sctp -m sctp --chunk-types any I_DATA,ASCONF_ACK,RE_CONFIG,PAD,FORWARD_TSN,ASCONF,I_FORWARD_TSN"},
	{IPv4, "filter", "INPUT", "-p dccp -m dccp --sport 1:2 ! --dport 80 ! --dccp-types REQUEST,INVALID --dccp-option 5"},
	{IPv6, "filter", "OUTPUT", "-p dccp -m dccp ! --dccp-option 255"},
	{IPv4, "filter", "OUTPUT", "-p dccp -m dccp --dport 80:22"},
	{IPv6, "filter", "INPUT", "-m frag --fraglen 5"},
	{IPv6, "filter", "OUTPUT", "-m frag --fragid 1:3 ! --fraglen 4294967295 --fragmore"},
}

func init() { xtCases = append(xtCases, xtPortCases...) }

// An inverted udp port range never matches in the kernel's xt_udp, its
// negation always: nftsync installs xt_udp for it.
func init() {
	type packetCase = struct {
		name, args string
		n, want    int
		send       func() error
	}
	fallbackPacketCases = append(fallbackPacketCases,
		packetCase{"udp inverted port range", "-p udp -m udp --dport 10:9", 3, 0, nil},
		packetCase{"udp inverted port range, negated", "-p udp -m udp ! --dport 10:9", 3, 3, nil},
	)
}
