package compat

import (
	"context"
	"errors"
	"fmt"
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
				be, err := New(WithMode(mode), WithNetNS(ns.Name))
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
			be, err := New(WithMode(mode), WithNetNS(ns.Name))
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

// BenchmarkChange measures an Apply that changes one rule next to 10k
// others, with the scratch check and with the roll-back guard alone: the
// difference is what all-or-nothing costs.
func BenchmarkChange(b *testing.B) {
	for _, mode := range modes {
		for _, checked := range []bool{true, false} {
			name := mode + "/checked"
			if !checked {
				name = mode + "/unchecked"
			}
			b.Run(name, func(b *testing.B) {
				ns := netnstest.New(b)
				be, err := New(WithMode(mode), WithNetNS(ns.Name))
				if err != nil {
					b.Fatal(err)
				}
				if !checked {
					be.noScratch = errors.New("scratch check disabled by the benchmark")
				}
				rs := benchRuleset(b, 10000)
				in := rs.Chains[1]
				extra, err := rule.ParseString(rule.IPv4, "-s 192.0.2.1 -j DROP")
				if err != nil {
					b.Fatal(err)
				}
				base := in.Rules
				for i := 0; b.Loop(); i++ {
					in.Rules = base
					if i%2 == 0 {
						in.Rules = append([]firewall.Rule{{Spec: extra}}, base...)
					}
					if _, err := be.Apply(context.Background(), rs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
