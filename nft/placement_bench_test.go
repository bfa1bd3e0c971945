package nft

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// kiloLike is a Kilo-sized ruleset: n FORWARD accepts from and to pod
// subnets, and the NAT chain.
func kiloLike(b testing.TB, n int) *firewall.Ruleset {
	var fwd, nat []string
	for i := 0; i < n; i++ {
		fwd = append(fwd, fmt.Sprintf(`-s 10.%d.%d.0/24 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT`, i/250, i%250),
			fmt.Sprintf(`-d 10.%d.%d.0/24 -m comment --comment "Kilo: forward packets to the pod subnet" -j ACCEPT`, i/250, i%250))
		nat = append(nat, fmt.Sprintf(`-d 10.%d.%d.0/24 -m comment --comment "Kilo: do not NAT packets destined for peers" -j RETURN`, i/250, i%250))
	}
	nat = append(nat, `-m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`)
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(b, rule.IPv4, "filter", "FORWARD", "", fwd...),
		chain(b, rule.IPv4, "nat", "KILO-NAT", "", nat...),
		chain(b, rule.IPv4, "nat", "POSTROUTING", "", `-s 10.0.0.0/8 -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`),
	}}
}

// dockerLike writes 200 foreign rules into iptables-nft's filter FORWARD,
// with policy DROP, and 2000 into a foreign user chain.
func dockerLike(b testing.TB, ns *netnstest.NS) {
	var script strings.Builder
	script.WriteString("add table ip filter\nadd chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }\nadd chain ip filter DOCKER\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&script, "add rule ip filter FORWARD ip daddr 172.17.%d.1 counter accept\n", i)
	}
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&script, "add rule ip filter DOCKER ip daddr 172.18.%d.%d tcp dport 80 counter accept\n", i/250, i%250)
	}
	ns.NFT(script.String())
}

// BenchmarkPlacement compares the owner's tables with placement of table
// filter, on a host with 200 foreign FORWARD rules and 2000 in a foreign
// user chain: a cold apply of 100
// FORWARD rules and 51 NAT rules, a no-op Apply (same Ruleset), a
// reconcile after someone else changed the ruleset (nothing to repair),
// and a one-rule change.
func BenchmarkPlacement(b *testing.B) {
	for _, placed := range []bool{false, true} {
		var opts []Option
		name := "own-tables"
		if placed {
			opts, name = []Option{WithPlacement("filter")}, "placed-filter"
		}
		ctx := context.Background()
		b.Run(name+"/cold", func(b *testing.B) {
			rs := kiloLike(b, 50)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ns := netnstest.New(b)
				dockerLike(b, ns)
				be, _ := newBackend(b, ns, opts...)
				b.StartTimer()
				if _, err := be.Apply(ctx, rs); err != nil {
					b.Fatal(err)
				}
			}
		})
		ns := netnstest.New(b)
		dockerLike(b, ns)
		be, _ := newBackend(b, ns, opts...)
		rs, alt := kiloLike(b, 50), kiloLike(b, 50)
		alt.Chains[0].Rules[7] = chain(b, rule.IPv4, "filter", "FORWARD", "", "-s 192.0.2.1/32 -j ACCEPT").Rules[0]
		if _, err := be.Apply(ctx, rs); err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/noop", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := be.Apply(ctx, rs); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/foreign-change", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ns.NFT(fmt.Sprintf("add table ip x%d", i%2))
				b.StartTimer()
				if p, err := be.Apply(ctx, rs); err != nil || !p.Empty() {
					b.Fatal(p, err)
				}
				b.StopTimer()
				ns.NFT(fmt.Sprintf("delete table ip x%d", i%2))
				b.StartTimer()
			}
		})
		b.Run(name+"/one-rule", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				want := alt
				if i%2 == 1 {
					want = rs
				}
				if _, err := be.Apply(ctx, want); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
