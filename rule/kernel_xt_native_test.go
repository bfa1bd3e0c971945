package rule

// xtNativeCases are rules of one match that nftsync installs natively in
// its own tables (nft's statement is exact) and as the xtables match
// (xtInfo) when it places them in iptables' own tables:
// TestKernelXtNativeForms proves that form against iptables-nft's.
var xtNativeCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.1-10.0.0.9"},
	{IPv4, "filter", "OUTPUT", "-m iprange ! --dst-range 10.0.0.5"},
	{IPv4, "filter", "FORWARD", "-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 192.168.0.0-192.168.255.255"},
	{IPv6, "filter", "INPUT", "-m iprange ! --src-range fd00::1-fd00::9 --dst-range ::1"},
	{IPv4, "filter", "INPUT", "-m length --length 100"},
	{IPv4, "filter", "OUTPUT", "-m length ! --length 0:1500"},
	{IPv6, "filter", "FORWARD", "-m length --length 1280:65535"},
	{IPv4, "filter", "INPUT", "-m statistic --mode random --probability 0.25"},
	{IPv4, "filter", "INPUT", "-m statistic --mode random ! --probability 0.00001"},
	{IPv6, "filter", "OUTPUT", "-m statistic --mode random --probability 1"},
	{IPv6, "filter", "OUTPUT", "-m statistic --mode random ! --probability 0"},
	{IPv4, "filter", "FORWARD", "-m statistic --mode nth --every 10 --packet 3"},
	{IPv4, "filter", "FORWARD", "-m statistic --mode nth ! --every 1 --packet 0"},
	{IPv6, "filter", "INPUT", "-m statistic --mode nth --every 4294967295 --packet 4294967294"},
	{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 64"},
	{IPv4, "filter", "OUTPUT", "-m ttl ! --ttl-eq 1"},
	{IPv4, "mangle", "PREROUTING", "-m ttl --ttl-lt 5"},
	{IPv4, "filter", "FORWARD", "-m ttl --ttl-gt 254"},
	{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 010"},
	{IPv6, "filter", "INPUT", "-m hl --hl-eq 255"},
	{IPv6, "filter", "OUTPUT", "-m hl ! --hl-eq 0"},
	{IPv6, "mangle", "PREROUTING", "-m hl --hl-lt 2"},
	{IPv6, "filter", "FORWARD", "-m hl --hl-gt 64"},
	{IPv6, "filter", "INPUT", "-m hl --hl-lt 0x10"},
	{IPv4, "filter", "INPUT", "-m pkttype --pkt-type unicast"},
	{IPv4, "filter", "FORWARD", "-m pkttype ! --pkt-type broadcast"},
	{IPv6, "filter", "INPUT", "-m pkttype --pkt-type multicast"},
	{IPv6, "filter", "OUTPUT", "-m pkttype ! --pkt-type otherhost"},
	{IPv4, "filter", "INPUT", "-m mac --mac-source 00:11:22:33:44:55"},
	{IPv6, "mangle", "PREROUTING", "-m mac ! --mac-source AA:bb:CC:dd:EE:ff"},
	{IPv4, "filter", "FORWARD", "-m mac --mac-source ff:ff:ff:ff:ff:ff"},
	{IPv4, "filter", "INPUT", "-m mac --mac-source 0:1:2:3:4:+f"},
	{IPv6, "filter", "FORWARD", "-m mac ! --mac-source -1::a:B:0c:"},
	{IPv4, "filter", "INPUT", "-m realm --realm 0x5"},
	{IPv4, "filter", "OUTPUT", "-m realm ! --realm 0x10/0xf0"},
	{IPv4, "mangle", "POSTROUTING", "-m realm --realm 4294967295"},
	{IPv4, "filter", "INPUT", "-m cpu --cpu 0"},
	{IPv4, "filter", "OUTPUT", "-m cpu ! --cpu 63"},
	{IPv6, "filter", "FORWARD", "-m cpu --cpu 4294967295"},
	// ipt_ah: another struct than ip6t_ah under the same name.
	{IPv4, "filter", "INPUT", "-p ah -m ah ! --ahspi 0:2834079469"},
	{IPv4, "filter", "FORWARD", "-p ah -m ah --ahspi 500"},
	{IPv4, "filter", "OUTPUT", "-p ah -m ah"},
}

// xtRangeCases are rules iptables-legacy accepts with an inverted range,
// which nft refuses: nftsync installs the xtables match (xlateOrXt).
var xtRangeCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.9-10.0.0.1"},
	{IPv6, "filter", "OUTPUT", "-m iprange --src-range ::1-::2 ! --dst-range fd00::9-fd00::1"},
	{IPv4, "filter", "FORWARD", "-m length --length 100:50"},
	{IPv6, "filter", "INPUT", "-m length ! --length 65535:0"},
}

func init() {
	for _, c := range xtNativeCases {
		xtNativeFormCases = append(xtNativeFormCases, struct {
			xtCase
			byIptables bool
		}{c, true})
	}
	xtCases = append(xtCases, xtRangeCases...)
	// An inverted range never matches; negated, it always does.
	fallbackPacketCases = append(fallbackPacketCases, []struct {
		name, args string
		n, want    int
		send       func() error
	}{
		{"iprange inverted", "-p udp --dport 9 -m iprange --dst-range 127.0.0.9-127.0.0.1", 3, 0, nil},
		{"iprange inverted, negated", "-p udp --dport 9 -m iprange ! --dst-range 127.0.0.9-127.0.0.1", 3, 3, nil},
		{"length inverted", "-p udp --dport 9 -m length --length 100:28", 3, 0, nil},
		{"length inverted, negated", "-p udp --dport 9 -m length ! --length 100:28", 3, 3, nil},
	}...)
}
