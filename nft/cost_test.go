package nft

import (
	"context"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// BenchmarkChainCost measures the two constants of cost.go on this
// kernel: the cost of one list step (deleting the last rules of a long
// chain by handle) and of one rule add (flushing and adding the rest
// again). Run: go test ./nft -run '^$' -bench ChainCost -benchtime 1x.
func BenchmarkChainCost(b *testing.B) {
	const n, tail = 20000, 2000
	full := largeRuleset(b, n)
	cut := &firewall.Ruleset{Chains: []*firewall.Chain{full.Chains[0], {
		Family: full.Chains[1].Family, Table: "filter", Name: "BIG", Rules: full.Chains[1].Rules[:n-tail]}}}
	measure := func(steps int) time.Duration {
		defer func(v int) { addSteps = v }(addSteps)
		addSteps = steps
		ns := netnstest.New(b)
		be, _ := newBackend(b, ns)
		apply(b, be, full)
		t0 := time.Now()
		if _, err := be.Apply(context.Background(), cut); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for i := 0; i < b.N; i++ {
		byHandle := measure(1 << 40)
		flush := measure(0)
		walk := float64(tail) * float64(2*n-tail-1) / 2
		stepNS := float64(byHandle.Nanoseconds()) / walk
		addNS := float64(flush.Nanoseconds()) / float64(n-tail)
		b.Logf("delete last %d of %d by handle: %v (%.1f ns per list step); flush and add %d: %v (%.1f µs per add, %.0f steps)",
			tail, n, byHandle, stepNS, n-tail, flush, addNS/1000, addNS/stepNS)
	}
}
