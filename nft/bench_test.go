package nft

import (
	"context"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// BenchmarkCompile10k measures the translation of 10k rules alone.
func BenchmarkCompile10k(b *testing.B) {
	rs := largeRuleset(b, 10000)
	for i := 0; i < b.N; i++ {
		if _, err := compile("o", rs, newRuleCache()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdApply10k measures a cold apply of 10k rules, each into a
// fresh namespace.
func BenchmarkColdApply10k(b *testing.B) {
	rs := largeRuleset(b, 10000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ns := netnstest.New(b)
		be, _ := newBackend(b, ns)
		b.StartTimer()
		if _, err := be.Apply(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneRuleChange10k measures replacing one rule in a 10k chain.
func BenchmarkOneRuleChange10k(b *testing.B) {
	ns := netnstest.New(b)
	be, _ := newBackend(b, ns)
	rs := largeRuleset(b, 10000)
	alt := largeRuleset(b, 10000)
	alt.Chains[1].Rules[5000] = chain(b, rule.IPv4, "filter", "BIG", "", "-s 192.0.2.1 -j DROP").Rules[0]
	if _, err := be.Apply(context.Background(), rs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := alt
		if i%2 == 1 {
			want = rs
		}
		if _, err := be.Apply(context.Background(), want); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNoop10k measures a no-op Apply with the same Ruleset pointer.
func BenchmarkNoop10k(b *testing.B) {
	ns := netnstest.New(b)
	be, _ := newBackend(b, ns)
	rs := largeRuleset(b, 10000)
	if _, err := be.Apply(context.Background(), rs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := be.Apply(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdSplit10k times the phases of a cold apply of 10k rules:
// compile (translation and marshalling), plan (batch building), send (the
// kernel's validation and commit inside sendmsg, and the replies).
func BenchmarkColdSplit10k(b *testing.B) {
	rs := largeRuleset(b, 10000)
	var comp, plan, send time.Duration
	for i := 0; i < b.N; i++ {
		ns := netnstest.New(b)
		be, _ := newBackend(b, ns)
		t0 := time.Now()
		d, err := compile("o", rs, newRuleCache())
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		gen, err := be.getGen()
		if err != nil {
			b.Fatal(err)
		}
		st, _, err := be.readState(context.Background(), gen)
		if err != nil {
			b.Fatal(err)
		}
		pl, err := makePlan(d, st)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := be.snd.send(pl.batch, gen, pl.echoes()); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		comp += t1.Sub(t0)
		plan += t2.Sub(t1)
		send += t3.Sub(t2)
	}
	n := float64(b.N) * 1e6
	b.ReportMetric(float64(comp)/n, "compile-ms")
	b.ReportMetric(float64(plan)/n, "read+plan-ms")
	b.ReportMetric(float64(send)/n, "send-ms")
}
