package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/nft"
	"github.com/prometheus/client_golang/prometheus"
)

// repairReps is how often each foreign change is made and repaired.
const repairReps = 20

// fightWindow is a little more than the controller's: changes further
// apart than that from its repairs are not a fight, so each is repaired
// without backoff.
const fightWindow = 550 * time.Millisecond

// BenchmarkEventRepair measures how long Run takes to repair a foreign
// change to its tables with a resync period of a minute, i.e. driven by
// the ruleset's change notifications alone: from the notification of the
// foreign commit to the notification of the repair's commit, both seen by
// a separate watcher in the namespace. Each change is made repairReps
// times; the table shows the median and the 99th percentile (with 20
// samples, the largest), and the mean of the controller's own
// repair-latency histogram.
func BenchmarkEventRepair(b *testing.B) {
	netnstest.RequireBinary(b, "nft")
	changes := []struct{ name, script string }{
		{"flushed-chain", "flush chain ip nftsync-filter BIG"},
		{"deleted-table", "delete table ip nftsync-filter"},
		{"foreign-rule", "add rule ip nftsync-filter FORWARD ip saddr 192.0.2.1 counter drop"},
	}
	type row struct {
		name                   string
		median, p99, histogram time.Duration
	}
	var rows []row
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("rules-%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ns := netnstest.New(b)
				reg := prometheus.NewRegistry()
				runController(b, ns, reg, kiloRules(n, -1, 0))
				desired, err := controller.Desired(kiloRules(n, -1, 0))
				if err != nil {
					b.Fatal(err)
				}
				checker, watch := watcher(b, ns)
				for _, ch := range changes {
					before := histogram(b, reg)
					ds := make([]time.Duration, repairReps)
					for k := range ds {
						ns.NFT(ch.script)
						foreign := nextOwned(b, watch)
						repair := nextOwned(b, watch)
						ds[k] = repair.At.Sub(foreign.At)
						// The repair restored the desired state: a
						// backend without memory of it reads the kernel.
						if p, err := checker.Plan(context.Background(), desired); err != nil || !p.Empty() {
							b.Fatalf("%s: not repaired: %v %v", ch.name, p, err)
						}
						// A change within half a second of a repair is
						// taken for a fight and repaired more slowly
						// after a few (controller's fightWindow).
						time.Sleep(time.Until(repair.At.Add(fightWindow)))
					}
					after := histogram(b, reg)
					sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
					rows = append(rows, row{
						name:      fmt.Sprintf("%s/%d", ch.name, n),
						median:    ds[len(ds)/2],
						p99:       ds[int(math.Ceil(0.99*float64(len(ds))))-1],
						histogram: after.mean(before),
					})
					b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, ch.name+"-median-ms")
				}
			}
		})
	}
	fmt.Printf("\nevent-driven repair, resync 60s, %d repetitions each\n", repairReps)
	fmt.Printf("%-28s %12s %12s %16s\n", "change/rules", "median ms", "p99 ms", "histogram mean")
	for _, r := range rows {
		fmt.Printf("%-28s %12.3f %12.3f %16.3f\n", r.name, ms(r.median), ms(r.p99), ms(r.histogram))
	}
}

// runController sets rules in ns and runs the controller with a resync
// period of a minute until the benchmark ends.
func runController(b *testing.B, ns *netnstest.NS, reg prometheus.Registerer, rules []controller.Rule) {
	c, err := controller.New(controller.WithNetNS(ns.Path), controller.WithResyncPeriod(time.Minute),
		controller.WithRegisterer(reg), controller.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if err := c.Set(rules); err != nil {
		b.Fatal(err)
	}
	stop := make(chan struct{})
	b.Cleanup(func() { close(stop) })
	if _, err := c.Run(stop); err != nil {
		b.Fatal(err)
	}
}

// watcher opens a second backend of the same owner in ns, used only to
// read, and its notifications.
func watcher(b *testing.B, ns *netnstest.NS) (*nft.Backend, <-chan nft.Event) {
	be := backend(b, ns)
	w, err := be.Watch()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	ch := make(chan nft.Event, 64)
	go func() {
		defer close(ch)
		for {
			ev, err := w.Next()
			if err != nil {
				return
			}
			ch <- ev
		}
	}()
	return be, ch
}

// nextOwned returns the next notification of a change to an owned table.
func nextOwned(b *testing.B, ch <-chan nft.Event) nft.Event {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				b.Fatal("watcher stopped")
			}
			if ev.Lost {
				b.Fatal("notifications lost: the measurement is void")
			}
			if ev.Owned {
				return ev
			}
		case <-timeout:
			b.Fatal("no repair within 30s (the resync is a minute: events did not work)")
		}
	}
}

// histogramState is the repair-latency histogram's sum and count.
type histogramState struct {
	sum   float64
	count uint64
}

// mean is the mean of the samples observed since before.
func (h histogramState) mean(before histogramState) time.Duration {
	if h.count == before.count {
		return 0
	}
	return time.Duration((h.sum - before.sum) / float64(h.count-before.count) * float64(time.Second))
}

func histogram(b *testing.B, g prometheus.Gatherer) histogramState {
	families, err := g.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "nftsync_repair_latency_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			return histogramState{sum: h.GetSampleSum(), count: h.GetSampleCount()}
		}
	}
	return histogramState{}
}
