package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// BenchmarkReplace replaces every rule of a long chain with other rules,
// with the engine and with `nft -f` (flush the chain, add the new rules),
// and measures meanwhile how long a concurrent `nft add table` in the same
// namespace takes: the kernel holds the namespace's nftables commit mutex
// for the whole of a batch, so that is how long other writers wait.
func BenchmarkReplace(b *testing.B) {
	netnstest.RequireBinary(b, "nft")
	sizes := []int{10000, 20000, 50000, 100000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	type row struct{ engine, nftF, engineWait, nftFWait, idleWait time.Duration }
	rows := map[int]*row{}
	ctx := context.Background()
	for _, n := range sizes {
		old, repl := ruleset(b, n), shifted(b, n, 1<<20)
		r := &row{}
		rows[n] = r
		b.Run(fmt.Sprintf("engine/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ns := netnstest.New(b)
				// The probes add a table that exists: no change, so the
				// engine's state in memory stays current (no dump), but
				// each takes the commit mutex.
				ns.NFT("add table ip probe")
				be := backend(b, ns)
				if _, err := be.Apply(ctx, old); err != nil {
					b.Fatal(err)
				}
				r.idleWait = probe(ns, func() { time.Sleep(300 * time.Millisecond) })
				var p *firewall.Plan
				r.engineWait = probe(ns, func() { r.engine, p = timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, repl) }) })
				if len(p.Changes) != 2*n {
					b.Fatalf("replace-all made %d changes, want %d", len(p.Changes), 2*n)
				}
				if got := ns.Exec("nft", "list", "table", "ip", "nftsync-filter"); strings.Count(got, " accept comment ") != n || !strings.Contains(got, `"rule 1048576"`) {
					b.Fatalf("after replace-all the chain is not the new one:\n%.300s", got)
				}
				b.ReportMetric(float64(r.engine.Microseconds())/1000, "ms")
			}
		})
		b.Run(fmt.Sprintf("nft-f/%d", n), func(b *testing.B) {
			load := nftScript(b, old)
			var s strings.Builder
			s.WriteString("flush chain ip nftsync-filter BIG\n")
			for _, r := range nftRules(b, repl.Chains[1]) {
				fmt.Fprintf(&s, "add rule ip nftsync-filter BIG %s\n", r)
			}
			for i := 0; i < b.N; i++ {
				ns := netnstest.New(b)
				ns.NFT("add table ip probe")
				run(b, ns, load, "nft", "-f")
				r.nftFWait = probe(ns, func() { r.nftF = run(b, ns, s.String(), "nft", "-f") })
				b.ReportMetric(float64(r.nftF.Microseconds())/1000, "ms")
			}
		})
	}
	fmt.Printf("\nreplace all rules of a chain (ms); writer wait = longest `nft add table` in the same namespace meanwhile\n")
	fmt.Printf("%8s %10s %10s %8s %14s %14s %14s\n", "rules", "engine", "nft -f", "ratio", "wait engine", "wait nft -f", "wait idle")
	for _, n := range sizes {
		r := rows[n]
		if r.nftF == 0 {
			continue
		}
		fmt.Printf("%8d %10.1f %10.1f %8.2f %14.1f %14.1f %14.1f\n", n, ms(r.engine), ms(r.nftF), float64(r.engine)/float64(r.nftF),
			ms(r.engineWait), ms(r.nftFWait), ms(r.idleWait))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// shifted is ruleset(n) with rule i replaced by rule i+off.
func shifted(b *testing.B, n, off int) *firewall.Ruleset {
	rs := ruleset(b, 0)
	for i := 0; i < n; i++ {
		rs.Chains[1].Rules = append(rs.Chains[1].Rules, firewall.Rule{Spec: mustParse(b, specOf(i+off))})
	}
	return rs
}

// probe runs `nft add table` in ns over and over while f runs and returns
// the longest one that overlapped f.
func probe(ns *netnstest.NS, f func()) time.Duration {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var longest time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			_ = exec.Command("ip", "netns", "exec", ns.Name, "nft", "add", "table", "ip", "probe").Run()
			longest = max(longest, time.Since(t0))
		}
	}()
	// Let the first probe start before f does.
	time.Sleep(20 * time.Millisecond)
	f()
	close(stop)
	wg.Wait()
	return longest
}
