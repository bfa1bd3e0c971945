package rule

// xtRangeCases are rules iptables-legacy accepts with an inverted range,
// which nft refuses: nftsync installs the xtables match (xlateOrXt).
var xtRangeCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.9-10.0.0.1"},
	{IPv6, "filter", "OUTPUT", "-m iprange --src-range ::1-::2 ! --dst-range fd00::9-fd00::1"},
	{IPv4, "filter", "FORWARD", "-m length --length 100:50"},
	{IPv6, "filter", "INPUT", "-m length ! --length 65535:0"},
}

func init() {
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
