package nft

import (
	"bytes"
	"context"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// placedTargetSpecs are rules whose target nftsync places as its xtables
// form (rule.XtForm: CLASSIFY, DSCP, TCPMSS, NOTRACK, REDIRECT, inverted
// NAT ranges, ...), by table and chain, per family. Not TRACE:
// iptables-nft writes it natively ("meta nftrace set 1"), which placement
// does not yet.
var placedTargetSpecs = []struct {
	table, chain string
	specs        map[rule.Family][]string
}{
	{"mangle", "POSTROUTING", map[rule.Family][]string{
		rule.IPv4: {
			`-j CLASSIFY --set-class 1:2`,
			`-o eth0 -j DSCP --set-dscp-class EF`,
			`-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`,
			`-p tcp -j TCPMSS --set-mss 1400`,
			`-j AUDIT --type drop`,
		},
		rule.IPv6: {
			`-j CLASSIFY --set-class ffff:ffff`,
			`-j DSCP --set-dscp 0x3f`,
			`-p tcp -j TCPMSS --set-mss 1220`,
		},
	}},
	{"raw", "PREROUTING", map[rule.Family][]string{
		rule.IPv4: {`-p udp --dport 53 -j NOTRACK`},
		rule.IPv6: {`-j NOTRACK`},
	}},
	{"nat", "OUTPUT", map[rule.Family][]string{
		rule.IPv4: {
			`-p tcp --dport 80 -j REDIRECT --to-ports 8080`,
			`-j REDIRECT --random`,
			`-p udp -j DNAT --to-destination 10.0.0.9-10.0.0.1:53`,
		},
		rule.IPv6: {
			`-p tcp -j REDIRECT --to-ports 1000-2000`,
			`-j DNAT --to-destination fd00::9-fd00::1`,
		},
	}},
	{"nat", "POSTROUTING", map[rule.Family][]string{
		rule.IPv4: {`-j SNAT --to-source 255.255.255.255-192.0.2.9 --random`},
		rule.IPv6: {`-j SNAT --to-source fd00:200:2::9-2001:db8::9`},
	}},
}

// TestXtPlacedTargets places each group of placedTargetSpecs in
// iptables-nft's own table and checks that every rule's expressions are
// byte for byte those iptables-nft -A writes, that a second apply changes
// nothing and that a fresh backend plans nothing.
func TestXtPlacedTargets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	for _, g := range placedTargetSpecs {
		t.Run(g.table+"-"+g.chain, func(t *testing.T) {
			ns := netnstest.New(t)
			b, _ := newBackend(t, ns, WithPlacement(g.table))
			rs := &firewall.Ruleset{}
			for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
				c := chain(t, fam, g.table, g.chain, "", g.specs[fam]...)
				rs.Chains = append(rs.Chains, c)
				tool := map[rule.Family]string{rule.IPv4: "iptables-nft", rule.IPv6: "ip6tables-nft"}[fam]
				for _, r := range c.Rules {
					ns.Exec(tool, append([]string{"-t", g.table, "-A", g.chain}, r.Spec.Args()...)...)
				}
			}
			theirs := placedElems(t, b)
			for _, tool := range []string{"iptables-nft", "ip6tables-nft"} {
				ns.Exec(tool, "-t", g.table, "-F")
			}
			apply(t, b, rs)
			ours := placedElems(t, b)
			for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
				k := fam.String() + " " + g.chain
				if len(ours[k]) != len(g.specs[fam]) || len(theirs[k]) != len(ours[k]) {
					t.Fatalf("%s: %d rules placed, %d written by iptables-nft, want %d", k, len(ours[k]), len(theirs[k]), len(g.specs[fam]))
				}
				for i, spec := range g.specs[fam] {
					if a, w := ours[k][i], theirs[k][i]; !equalElems(a, w) {
						t.Errorf("%s %s:\n  ours:         %x\n  iptables-nft: %x", fam, spec, a, w)
					}
				}
			}
			if p := apply(t, b, rs); !p.Empty() {
				t.Errorf("second apply changes:\n%s", p)
			}
			fresh, _ := newBackend(t, ns, WithPlacement(g.table))
			if p, err := fresh.Plan(context.Background(), rs); err != nil || !p.Empty() {
				t.Errorf("a fresh backend plans %v, %v", p, err)
			}
		})
	}
}

// equalElems reports whether two rules' expressions are byte-equal.
func equalElems(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
