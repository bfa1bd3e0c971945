package rule

import (
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// restOracleCases cover the last extensions of netfilter's corpus (AUDIT,
// SYNPROXY, TEE, TOS, statistic, connbytes, policy). The oracle builds
// nft's side from NftText, so where Text is not exact, Exact is checked.
var restOracleCases = []OracleCase{
	{IPv4, `-j AUDIT --type accept`},
	{IPv6, `-p tcp --dport 22 -j AUDIT --type reject`},
	{IPv4, `-p tcp -m tcp --dport 80 -m state --state INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460`},
	{IPv6, `-p tcp -j SYNPROXY --mss 1440`},
	{IPv4, `-p tcp -j SYNPROXY --timestamp`},
	{IPv4, `-p tcp -j SYNPROXY --wscale 0 --mss 0`},
	{IPv4, `-j TEE --gateway 192.168.0.2`},
	{IPv6, `-j TEE --gateway ab12:00a1:1112:acba::`},
	{IPv6, `-j TOS --set-tos 0x1f`},
	{IPv6, `-j TOS --set-tos 0xff`},
	{IPv6, `-j TOS --set-tos 0x00`},
	{IPv6, `-j TOS --set-tos 0x10/0xfc`},
	{IPv4, `-j TOS --set-tos 0x1f`},
	{IPv4, `-j TOS --set-tos 0xe2`},
	{IPv4, `-j TOS --set-tos 0x10/0xfc`},
	{IPv4, `-m statistic --mode nth --every 10 --packet 1`},
	{IPv6, `-m statistic --mode nth ! --every 10 --packet 5 -j DROP`},
	{IPv4, `-m statistic --mode random --probability 0.1`},
	{IPv4, `-m statistic --mode random ! --probability 0.5`},
	{IPv6, `-m statistic --mode random --probability 1`},
	{IPv4, `-m connbytes --connbytes 200 --connbytes-dir original --connbytes-mode packets`},
	{IPv4, `-m connbytes --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes`},
	{IPv6, `-m connbytes --connbytes 200:200 --connbytes-dir reply --connbytes-mode avgpkt`},
	{IPv4, `-m connbytes ! --connbytes 0:600 --connbytes-dir reply --connbytes-mode bytes`},
	{IPv4, `-m connbytes ! --connbytes 0 --connbytes-dir both --connbytes-mode avgpkt`},
	{IPv4, `-m connbytes ! --connbytes 7:7 --connbytes-dir both --connbytes-mode packets`},
	{IPv4, `-m policy --pol ipsec --dir in -j ACCEPT`},
	{IPv6, `-m policy --pol none --dir in`},
}

func TestKernelRestExtensions(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, restOracleCases)
}
