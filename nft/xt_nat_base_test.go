package nft

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestNATXtOnlyConverges applies NAT rules whose exact form is only the xt
// target (a base port "P-Q/BASE"; ports after -p icmp or a negated -p),
// which places both families' nat tables in iptables-nft's own: apply
// converges (checkConverged), and iptables-nft-save prints our nat table
// exactly as it prints the same rules written by iptables-nft. ipcomp's
// --compres rides along in the owner's filter table, natively and as
// xt_ipcomp.
func TestNATXtOnlyConverges(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	nat := map[rule.Family][]*firewall.Chain{
		rule.IPv4: {
			chain(t, rule.IPv4, "nat", "PREROUTING", "",
				`-p tcp -j DNAT --to-destination 10.1.1.1:1000-2000/100`,
				`-p icmp -j DNAT --to-destination 10.1.1.2:7`),
			chain(t, rule.IPv4, "nat", "OUTPUT", "", `-p icmp -j REDIRECT --to-ports 5`),
			chain(t, rule.IPv4, "nat", "POSTROUTING", "",
				`-p udp -j SNAT --to-source 1.2.3.4:1000-2000/5 --random`,
				`! -p tcp -j MASQUERADE --to-ports 5-6`),
		},
		rule.IPv6: {
			chain(t, rule.IPv6, "nat", "PREROUTING", "",
				`-p tcp -j DNAT --to-destination [fd00::1]:1000-2000/http --persistent`,
				`! -p udp -j REDIRECT --to-ports 8`),
			chain(t, rule.IPv6, "nat", "POSTROUTING", "", `-p tcp -j MASQUERADE --to-ports 5-6/9`),
		},
	}
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", "",
			`-p ipcomp -m ipcomp --ipcompspi 5 --compres -j ACCEPT`,
			`-p ipcomp -m ipcomp --compres -j DROP`),
	}}
	// The same rules as iptables-nft writes them, in a namespace of their own.
	theirs := netnstest.New(t)
	for fam, chains := range nat {
		tool := map[rule.Family]string{rule.IPv4: "iptables-nft", rule.IPv6: "ip6tables-nft"}[fam]
		for _, c := range chains {
			rs.Chains = append(rs.Chains, c)
			for _, r := range c.Rules {
				theirs.Exec(tool, append([]string{"-t", "nat", "-A", c.Name}, r.Spec.Args()...)...)
			}
		}
	}
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	checkConverged(t, ns, b, rs)
	for _, tool := range []string{"iptables-nft-save", "ip6tables-nft-save"} {
		got, want := appends(ns.Exec(tool, "-t", "nat")), appends(theirs.Exec(tool, "-t", "nat"))
		if got != want || got == "" {
			t.Errorf("%s -t nat:\n%s\nwant (as iptables-nft writes the rules)\n%s", tool, got, want)
		}
	}
}

// appends returns the -A lines of an iptables-save output.
func appends(save string) string {
	var out []string
	for _, l := range strings.Split(save, "\n") {
		if strings.HasPrefix(l, "-A ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
