package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// benchRuleset is n rules of the design notes' shape in one user chain.
func benchRuleset(b *testing.B, n int) *firewall.Ruleset {
	c := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "BENCH"}
	for i := 0; i < n; i++ {
		s := fmt.Sprintf(`-s 10.%d.%d.%d -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`, i>>16&255, i>>8&255, i&255, 1024+i%60000, i)
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			b.Fatal(err)
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: r})
	}
	in := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "INPUT"}
	r, _ := rule.ParseString(rule.IPv4, "-j BENCH")
	in.Rules = []firewall.Rule{{Spec: r}}
	return &firewall.Ruleset{Chains: []*firewall.Chain{c, in}}
}

// BenchmarkApply measures a cold Apply (into an empty namespace) and a
// no-op Apply of 10k rules, per mode.
func BenchmarkApply(b *testing.B) {
	for _, mode := range modes {
		rs := benchRuleset(b, 10000)
		b.Run(mode+"/cold", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ns := netnstest.New(b)
				be, err := New(WithMode(mode), WithNetNS(ns.Name), WithStateDir(b.TempDir()))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := be.Apply(context.Background(), rs); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/noop", func(b *testing.B) {
			ns := netnstest.New(b)
			be, err := New(WithMode(mode), WithNetNS(ns.Name), WithStateDir(b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := be.Apply(context.Background(), rs); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				p, err := be.Apply(context.Background(), rs)
				if err != nil || !p.Empty() {
					b.Fatalf("no-op Apply: %v, %v", p, err)
				}
			}
		})
	}
}

// BenchmarkChange measures an Apply that changes one rule in each of ip
// filter, ip nat and ip6 filter, next to 10k rules in ip filter and 10k in
// ip6 filter, with scratch checks (of ip nat and of ip6 filter, whose 10k
// rules are copied) and with the roll-back guard alone: the difference is
// what all-or-nothing costs at worst for two big tables.
func BenchmarkChange(b *testing.B) {
	for _, mode := range modes {
		for _, checked := range []bool{true, false} {
			name := mode + "/checked"
			if !checked {
				name = mode + "/unchecked"
			}
			b.Run(name, func(b *testing.B) {
				ns := netnstest.New(b)
				be, err := New(WithMode(mode), WithNetNS(ns.Name), WithStateDir(b.TempDir()))
				if err != nil {
					b.Fatal(err)
				}
				if !checked {
					be.noScratch = errors.New("scratch check disabled by the benchmark")
				}
				rs := benchRuleset(b, 10000)
				v6 := benchRuleset(b, 10000)
				for _, c := range v6.Chains {
					c.Family = rule.IPv6
					for i, r := range c.Rules {
						args := r.Spec.Args()
						for j, a := range args {
							if strings.HasPrefix(a, "10.") {
								args[j] = "fd00::" + strings.ReplaceAll(a[3:], ".", ":")
							}
						}
						if c.Rules[i].Spec, err = rule.Parse(rule.IPv6, args); err != nil {
							b.Fatal(err)
						}
					}
				}
				nat := &firewall.Chain{Family: rule.IPv4, Table: "nat", Name: "POSTROUTING"}
				rs.Chains = append(rs.Chains, append(v6.Chains, nat)...)
				toggle := []*firewall.Chain{rs.Chains[1], rs.Chains[3], nat}
				base := make([][]firewall.Rule, len(toggle))
				extra := make([]firewall.Rule, len(toggle))
				for i, c := range toggle {
					base[i] = c.Rules
					r, err := rule.ParseString(c.Family, "-m mark --mark 7 -j RETURN")
					if err != nil {
						b.Fatal(err)
					}
					extra[i] = firewall.Rule{Spec: r}
				}
				if _, err := be.Apply(context.Background(), rs); err != nil {
					b.Fatal(err)
				}
				for i := 0; b.Loop(); i++ {
					for j, c := range toggle {
						c.Rules = base[j]
						if i%2 == 0 {
							c.Rules = append([]firewall.Rule{extra[j]}, base[j]...)
						}
					}
					p, err := be.Apply(context.Background(), rs)
					if err != nil || len(p.Changes) != 3 {
						b.Fatalf("Apply: %v, %v", p, err)
					}
				}
			})
		}
	}
}
