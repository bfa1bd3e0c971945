package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestXtFallbackConverges applies rules of native extensions that
// nftsync installs through nft_compat where the native form is refused or
// inexact (conntrack, multiport --ports with port 0, which needs
// NFTA_RULE_COMPAT, helper, quota, NFLOG, NFQUEUE), and overlapping
// --ports ranges, which are merged: apply, forced dump and a fresh backend
// plan nothing, handles stay, Read returns the rules.
func TestXtFallbackConverges(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "OUTPUT", "",
			`-p udp -m multiport --ports 443,8080,0,80,22 -j ACCEPT`,
			`-p tcp -m multiport ! --ports 22,53,22,8000:8080,8050 -j ACCEPT`,
			`-m conntrack --ctorigsrc 172.16.0.0/12 --ctexpire 0:2797801892 -j ACCEPT`,
			`-m conntrack ! --ctstate NEW,SNAT --ctdir REPLY`,
			`-m helper ! --helper ftp -j DROP`,
			`-m quota --quota 18446744073709551615`,
			`-j NFLOG --nflog-prefix "a\"b" --nflog-group 2`,
			`-j NFQUEUE --queue-balance 0:3 --queue-bypass`,
			`-p 108 -m ipcomp ! --ipcompspi 64937:100000`,
			`-m addrtype --src-type NAT ! --dst-type XRESOLVE,UNSPEC --limit-iface-out`,
			`-m policy --dir out --pol ipsec --strict --reqid 5 --next ! --proto esp --mode tunnel --tunnel-dst 10.0.0.0/8 -j ACCEPT`,
			`-j ACCEPT`,
			`-j PTU`),
		// Reached only after the unconditional ACCEPT: iptables (and
		// iptables-nft) accept --dir in here.
		chain(t, rule.IPv4, "filter", "PTU", "", `-m policy --dir in --pol none -j ACCEPT`),
		chain(t, rule.IPv6, "filter", "INPUT", "",
			`-p tcp -m conntrack --ctstate INVALID,UNTRACKED --ctorigdstport 1 -j DROP`,
			`-p tcp -m multiport ! --ports 0:1023,8000:9000`,
			`-p 33 -m multiport --ports 443,53,65535,443,80 -j DROP`,
			`-p tcp -m tcp ! --tcp-flags NONE NONE -j DROP`,
			`-p tcp -m tcp --sport 1:1 --dport 8080 --tcp-flags NONE SYN,ACK --tcp-option 77 -j DROP`,
			`-p udp -m multiport --ports 443,53,60000:65535,443,80 -j DROP`,
			`-p udp -m multiport --ports 443,53,6000:6553,443,80,1:2 -j DROP`,
			`-p 108 -m ipcomp`,
			`-m frag ! --fragid 2312859236:4294967295 --fragres --fragmore`,
			`-m rt --rt-type 2 ! --rt-segsleft 300:400 --rt-len 3`,
			`-m ah --ahspi 5:70000 --ahlen 5 --ahres`,
			`-m hbh ! --hbh-len 7 -j DROP`),
	}}
	fresh := assertConverges(t, ns, rs)
	assertReadBack(t, fresh, rs)
}

// assertConverges applies rs in ns's ip and ip6 nftsync-filter tables,
// then checks that a forced dump and a fresh backend plan nothing and that
// every handle stays; it returns the fresh backend.
func assertConverges(t *testing.T, ns *netnstest.NS, rs *firewall.Ruleset) *Backend {
	t.Helper()
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	handles := func() string {
		return ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-filter") + ns.Exec("nft", "-a", "list", "table", "ip6", "nftsync-filter")
	}
	before := handles()
	ns.NFT("add table ip unrelated")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("forced dump plans changes:\n%s", p)
	}
	b.Close()
	fresh, _ := newBackend(t, ns)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("a fresh backend plans changes:\n%s", p)
	}
	if after := handles(); after != before {
		t.Errorf("handles changed:\n%s\nthen\n%s", before, after)
	}
	return fresh
}
