package nft

import "github.com/nftsync/nftsync/rule"

// Placed rules with matches that nftsync installs natively in its own
// tables but as the xtables match in iptables' (iprange, length,
// statistic, ttl, hl, pkttype, mac, realm, cpu): TestPlacementBytesAreIptablesNfts
// compares them with iptables-nft's, expression by expression.
func init() {
	placedMangleSpecs[rule.IPv4] = append(placedMangleSpecs[rule.IPv4],
		`-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 10.0.0.9-10.0.0.1 -j ACCEPT`,
		`-m length ! --length 100:50 -m ttl ! --ttl-eq 64 -j MARK --set-mark 0x1`,
		`-i eth0 -m mac --mac-source 00:11:22:33:44:55 -m pkttype --pkt-type broadcast -j ACCEPT`,
		`-m statistic --mode nth ! --every 10 --packet 3 -m cpu ! --cpu 1 -j ACCEPT`,
		`-m statistic --mode random --probability 0.25 -j ACCEPT`,
	)
	placedMangleSpecs[rule.IPv6] = append(placedMangleSpecs[rule.IPv6],
		`-m hl --hl-lt 5 -m iprange ! --src-range fd00::1-fd00::9 -j DROP`,
		`-m length --length 1280:65535 -m pkttype ! --pkt-type multicast -j ACCEPT`,
	)
	placedOutputSpecs[rule.IPv4] = append(placedOutputSpecs[rule.IPv4],
		`-m realm ! --realm 0x10/0xf0 -m ttl --ttl-gt 1 -j ACCEPT`,
	)
}

// ipt_ah, whose struct differs from ip6t_ah's under the same name.
func init() {
	placedMangleSpecs[rule.IPv4] = append(placedMangleSpecs[rule.IPv4], `-p ah -m ah ! --ahspi 0:2834079469 -j ACCEPT`)
}
