package nft

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// BenchmarkSegmentsKernel times the kernel's part alone (the batch's
// send: validation and commit) of inserting one rule in the middle of a
// 10k- and a 100k-rule chain and deleting it again, whole and in segments
// of 1000, for a rule with a verdict and one without. Any new rule with a
// verdict makes the kernel validate the whole table at commit (every rule
// reachable from a base chain), whatever chain it goes to; a rule without
// one does not. This is the floor of a one-rule change for any engine on
// this kernel. Not run by make bench (it takes a minute):
// go test -run '^$' -bench SegmentsKernel ./nft
func BenchmarkSegmentsKernel(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		big := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "BIG"}
		for i := 0; i < n; i++ {
			r, err := rule.ParseString(rule.IPv4, fmt.Sprintf(`-s 10.%d.%d.%d/32 -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`, i>>16&255, i>>8&255, i&255, 1024+i%50000, i))
			if err != nil {
				b.Fatal(err)
			}
			big.Rules = append(big.Rules, firewall.Rule{Spec: r})
		}
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(b, rule.IPv4, "filter", "FORWARD", "", "-j BIG"), big}}
		for _, seg := range []int{0, 1000} {
			for _, added := range []string{"-s 192.0.2.1 -j DROP", "-s 192.0.2.1"} {
				b.Run(fmt.Sprintf("rules=%d/segments=%d/%q", n, seg, added), func(b *testing.B) {
					ns := netnstest.New(b)
					be, _ := newBackend(b, ns, WithSegments(seg))
					apply(b, be, rs)
					alt := *big
					alt.Rules = append(append(append([]firewall.Rule(nil), big.Rules[:n/2]...), chain(b, rule.IPv4, "filter", "BIG", "", added).Rules[0]), big.Rules[n/2:]...)
					changed := &firewall.Ruleset{Chains: []*firewall.Chain{rs.Chains[0], &alt}}
					var ins, del time.Duration
					for i := 0; i < 2*b.N; i++ {
						want := changed
						if i%2 == 1 {
							want = rs
						}
						d, _, err := be.compileAll(want)
						if err != nil {
							b.Fatal(err)
						}
						gen, err := be.getGen()
						if err != nil {
							b.Fatal(err)
						}
						st, _, _, err := be.state(context.Background(), gen)
						if err != nil {
							b.Fatal(err)
						}
						pl, err := be.makePlan(d, st)
						if err != nil {
							b.Fatal(err)
						}
						t0 := time.Now()
						res, err := be.snd.send(pl.batch, gen, pl.echoes())
						if i%2 == 0 {
							ins += time.Since(t0)
						} else {
							del += time.Since(t0)
						}
						if err != nil {
							b.Fatal(err)
						}
						if pl.learnHandles(res.handles) {
							be.remember(pl.next, res.gen)
						} else {
							be.remember(nil, 0)
						}
						be.lastRS, be.lastD = want, d
					}
					b.ReportMetric(float64(ins.Microseconds())/1000/float64(b.N), "insert-ms")
					b.ReportMetric(float64(del.Microseconds())/1000/float64(b.N), "delete-ms")
				})
			}
		}
	}
}
