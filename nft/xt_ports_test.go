package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestXtPortsConverges applies the sctp, dccp, udp and frag rules that
// nftsync installs as their xt match (chunk lists nft cannot say,
// --dccp-option, inverted udp and dccp port ranges, --fraglen): apply,
// forced dump and a fresh backend plan nothing, handles stay, Read
// returns the rules.
func TestXtPortsConverges(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "OUTPUT", "",
			`-p sctp -m sctp --dport 80 ! --chunk-types all DATA:Be,INIT,ABORT:T -j ACCEPT`,
			`-p sctp -m sctp --chunk-types only ALL`,
			`-p sctp -m sctp --chunk-types any INIT,SACK -j DROP`,
			`-p dccp -m dccp --sport 1:2 ! --dport 80 ! --dccp-types REQUEST,INVALID --dccp-option 5`,
			`-p dccp -m dccp --dport 80:22 -j DROP`,
			`-p udp -m udp ! --sport 9:1 --dport 53 -j ACCEPT`),
		chain(t, rule.IPv6, "filter", "INPUT", "",
			`-p sctp -m sctp --chunk-types all NONE`,
			`-p dccp -m dccp ! --dccp-option 255 -j DROP`,
			`-p udp -m udp --dport 65535:1024`,
			`-m frag --fragid 1:3 ! --fraglen 4294967295 --fragmore -j DROP`,
			`-m frag --fraglen 5`),
	}}
	fresh := assertConverges(t, ns, rs)
	assertReadBack(t, fresh, rs)
}
