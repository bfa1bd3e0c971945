package nft

import "github.com/nftsync/nftsync/rule"

// placedPortSpecs are placed rules of tcp and udp port shapes that
// iptables-nft writes as the xt match (no port, 0:65535) or natively with
// port 0 or an inverted range, and of sctp, dccp and frag, which it writes
// as their xt match: TestPlacement compares their bytes with iptables-nft's.
var placedPortSpecs = map[rule.Family][]string{
	rule.IPv4: {
		`-p udp -m udp -j ACCEPT`,
		`-p udp --sport 0:65535 --dport 0:65535 -j ACCEPT`,
		`-p udp --sport 7 --dport 0:65535 -j ACCEPT`,
		`-p udp --sport 80:22 -j ACCEPT`,
		`-p tcp --sport 0 --dport 5 -j ACCEPT`,
		`-p tcp -m tcp -j ACCEPT`,
		`-p sctp --dport 80 --chunk-types any DATA:B,INIT -j ACCEPT`,
		`-p dccp ! --sport 9 --dccp-types INVALID --dccp-option 5 -j ACCEPT`,
	},
	rule.IPv6: {
		`-m frag --fragid 4 --fraglen 5 -j ACCEPT`,
		`-p udp ! --dport 5:1 -j ACCEPT`,
	},
}

// init adds them before the last rule of each family, which other tests
// expect last.
func init() {
	for fam, specs := range placedPortSpecs {
		all := placedSpecs[fam]
		placedSpecs[fam] = append(append(all[:len(all)-1:len(all)-1], specs...), all[len(all)-1])
	}
}
