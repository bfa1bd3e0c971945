package rule

import (
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// moreOracleCases cover the statement forms of the extensions beyond tier 1,
// including the texts nft reads differently (the oracle installs nft's side
// from NftText, so Exact is what is checked there).
var moreOracleCases = []OracleCase{
	// Two negated single ports: nft 1.0.6 merges "sport != A dport != B"
	// into one "not this pair" compare; Exact keeps them apart.
	{IPv4, `-p tcp ! --sport 50 ! --dport 80 -j ACCEPT`},
	{IPv6, `-p udp ! --dport 53 ! --sport 5353`},
	{IPv4, `-p sctp ! --sport 1 ! --dport 2`},
	// tcp option missing needs the tcp dependency nft leaves out.
	{IPv4, `-p tcp ! --tcp-option 23`},
	{IPv6, `-p tcp ! --tcp-option 93 --syn`},
	// esp, ah, ipcomp
	{IPv4, `-p esp -m esp --espspi 500 -j DROP`},
	{IPv4, `-p esp -m esp ! --espspi 500:600`},
	{IPv4, `-p esp -m esp --espspi 0:4294967295`},
	{IPv6, `-p esp -m esp --espspi 0:4294967295`},
	{IPv6, `-p esp -m esp ! --espspi 7`},
	{IPv4, `-p ah -m ah --ahspi 500:600 -j DROP`},
	{IPv4, `-p ah -m ah ! --ahspi 0:4294967295`},
	{IPv6, `-m ah --ahspi 500 ! --ahlen 120 --ahres -j ACCEPT`},
	{IPv6, `-m ah --ahlen 16`},
	// nft merges "ah hdrlength N ah reserved 0" into one 3-byte load.
	{IPv6, `-m ah --ahlen 16 --ahres`},
	{IPv6, `-m rt --rt-type 0 --rt-segsleft 4`},
	{IPv6, `-m ah`},
	{IPv4, `-p ipcomp -m ipcomp --ipcompspi 0x12 -j ACCEPT`},
	{IPv6, `-m ipcomp ! --ipcompspi 5:9`},
	// mh, frag, hbh, rt
	{IPv6, `-p mh --mh-type home-test:5 -j ACCEPT`},
	{IPv6, `-p mh ! --mh-type 3`},
	{IPv6, `-m mh --mh-type 0:255`},
	{IPv6, `-m frag --fragid 100 --fragfirst --fragmore -j ACCEPT`},
	{IPv6, `-m frag ! --fragid 100:200 --fraglast`},
	{IPv6, `-m frag`},
	{IPv6, `-m hbh ! --hbh-len 16`},
	{IPv6, `-m hbh`},
	{IPv6, `-m rt --rt-type 0 ! --rt-segsleft 13:300 --rt-len 24 -j DROP`},
	{IPv6, `-m rt ! --rt-type 2 --rt-segsleft 4`},
	{IPv6, `-m rt`},
	// dccp
	{IPv4, `-p dccp --sport 200 --dport 100`},
	{IPv4, `-p dccp ! --dport 100:200 --dccp-types CLOSE`},
	{IPv6, `-p dccp --dccp-types INVALID`},
	{IPv4, `-p dccp --dport 100 --dccp-types REQUEST,RESPONSE,DATA,ACK,DATAACK,CLOSEREQ,CLOSE,SYNC,SYNCACK,INVALID`},
	{IPv4, `-p dccp ! --dccp-types REQUEST,RESET`},
	{IPv4, `-p dccp -m dccp`},
	// mac, owner, dscp, ecn, realm, quota
	{IPv4, `-p tcp --dport 80 -m mac --mac-source 0a:12:3e:4f:b2:c6 -j ACCEPT`},
	{IPv6, `-m mac ! --mac-source 0A:12:3E:4F:B2:C6`},
	{IPv4, `-p tcp --dport 80 -m owner --uid-owner root -j ACCEPT`},
	{IPv6, `-m owner --uid-owner 1000-2000 --gid-owner 0-10`},
	{IPv4, `-m dscp --dscp 0x32 -j ACCEPT`},
	{IPv6, `-m dscp ! --dscp-class af41`},
	{IPv4, `-m ecn --ecn-ip-ect 3`},
	{IPv4, `-m ecn ! --ecn-ip-ect 0`},
	{IPv6, `-m ecn ! --ecn-ip-ect 2 --ecn-tcp-cwr`},
	{IPv4, `-p tcp -m ecn ! --ecn-tcp-ece ! --ecn-tcp-cwr`},
	{IPv4, `-m realm --realm 4`},
	{IPv4, `-m realm ! --realm 1/0xf`},
	{IPv4, `-m quota --quota 111`},
	{IPv6, `-m quota ! --quota 111 -m limit --limit 1/s`},
}

func TestKernelMoreExtensions(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, moreOracleCases)
}
