package bench

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/nft"
)

// segmentLen is the segment length BenchmarkSegments asks for.
const segmentLen = 1000

// withInserted returns rs with rule r inserted at i of BIG, sharing the
// other rules (as a controller that keeps its parsed rules passes them).
func withInserted(rs *firewall.Ruleset, i int, r firewall.Rule) *firewall.Ruleset {
	big := *rs.Chains[1]
	big.Rules = make([]firewall.Rule, 0, len(rs.Chains[1].Rules)+1)
	big.Rules = append(append(append(big.Rules, rs.Chains[1].Rules[:i]...), r), rs.Chains[1].Rules[i:]...)
	return &firewall.Ruleset{Chains: []*firewall.Chain{rs.Chains[0], &big}}
}

// BenchmarkSegments measures one-rule changes in the middle of a long
// chain (BIG, jumped to from FORWARD) with the whole chain in one kernel
// chain and with WithSegments(1000), in both segmented layouts (BIG as
// it is, and with a RETURN first): the Apply (wall and the process's CPU,
// the kernel's commit included), the engine alone (Plan of the same
// change: compile, diff and batch, no commit; wall and CPU), and one `nft
// insert rule` by hand into the whole chain and into the first segment,
// the kernel's floor of each layout.
// NFTSYNC_SEGMENTS_PROFILE=FILE writes a CPU profile of the segmented
// engine's one-rule changes at the largest size.
func BenchmarkSegments(b *testing.B) {
	netnstest.RequireBinary(b, "nft")
	ctx := context.Background()
	sizes := []int{10000, 100000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	type row struct {
		name                    string
		wall, cpu               time.Duration
		engine, engineCPU, peer time.Duration
	}
	var rows []row
	for _, n := range sizes {
		plain := ruleset(b, n)
		// The same with a RETURN first: BIG's segments are then linked by
		// gotos, at most 15 of them (see nft/segments.go).
		returns := withRule(plain, 0, mustParse(b, "-s 192.0.2.250/32 -j RETURN"))
		for _, v := range []struct {
			seg int
			rs  *firewall.Ruleset
		}{{0, plain}, {segmentLen, plain}, {segmentLen, returns}} {
			seg, rs := v.seg, v.rs
			layout := "whole"
			opts := []nft.Option{nft.WithNetNS(""), nft.WithSegments(0)}
			if seg > 0 {
				layout = fmt.Sprintf("segments(%d), jumps", seg)
				if rs == returns {
					layout = fmt.Sprintf("segments(%d), gotos", seg)
				}
				opts = append(opts, nft.WithSegments(seg))
			}
			ns := netnstest.New(b)
			opts[0] = nft.WithNetNS(ns.Path)
			be, err := nft.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if _, err := be.Apply(ctx, rs); err != nil {
				b.Fatal(err)
			}
			rows = append(rows, row{name: fmt.Sprintf("%d %s cold apply", n, layout), wall: time.Since(t0)})
			listing := ns.Exec("nft", "list", "table", "ip", "nftsync-filter")
			segs := len(regexp.MustCompile(`(?m)^\tchain BIG/seg`).FindAllString(listing, -1))
			changes := map[string]func(k int) *firewall.Ruleset{
				"insert one rule in the middle": func(k int) *firewall.Ruleset {
					return withInserted(rs, n/2, firewall.Rule{Spec: mustParse(b, fmt.Sprintf("-s 192.0.2.%d -j DROP", k+1))})
				},
				"change one rule in the middle": func(k int) *firewall.Ruleset {
					return withRule(rs, n/2, mustParse(b, fmt.Sprintf("-s 192.0.2.%d -j DROP", k+1)))
				},
			}
			for _, what := range []string{"insert one rule in the middle", "change one rule in the middle"} {
				make := changes[what]
				var cpus, engines, engineCPUs []time.Duration
				profiling := seg > 0 && rs == plain && n == sizes[len(sizes)-1] && what == "insert one rule in the middle" && os.Getenv("NFTSYNC_SEGMENTS_PROFILE") != ""
				if profiling {
					f, err := os.Create(os.Getenv("NFTSYNC_SEGMENTS_PROFILE"))
					if err != nil {
						b.Fatal(err)
					}
					if err := pprof.StartCPUProfile(f); err != nil {
						b.Fatal(err)
					}
				}
				wall := medianOf(repeats, func(k int) time.Duration {
					changed := make(k)
					// The engine alone: plan the change (no commit).
					t0, cpu0 := time.Now(), cpuTime()
					if _, err := be.Plan(ctx, changed); err != nil {
						b.Fatal(err)
					}
					engines = append(engines, time.Since(t0))
					engineCPUs = append(engineCPUs, cpuTime()-cpu0)
					t0, cpu0 = time.Now(), cpuTime()
					p, err := be.Apply(ctx, changed)
					d := time.Since(t0)
					cpus = append(cpus, cpuTime()-cpu0)
					if err != nil {
						b.Fatal(err)
					}
					if want := map[bool]int{true: 1, false: 2}[what == "insert one rule in the middle"]; len(p.Changes) != want && k == 0 {
						b.Fatalf("%s made %d changes: %+v", what, len(p.Changes), p.Changes)
					}
					// Back to rs, untimed.
					if _, err := be.Apply(ctx, rs); err != nil {
						b.Fatal(err)
					}
					return d
				})
				if profiling {
					pprof.StopCPUProfile()
				}
				rows = append(rows, row{name: fmt.Sprintf("%d %s %s", n, layout, what), wall: wall,
					cpu: medianOf(len(cpus), func(k int) time.Duration { return cpus[k] }), engine: medianOf(len(engines), func(k int) time.Duration { return engines[k] }),
					engineCPU: medianOf(len(engineCPUs), func(k int) time.Duration { return engineCPUs[k] })})
			}
			// The kernel's floor: one nft process inserting one rule into
			// BIG (its first segment when segmented).
			peer := medianOf(5, func(k int) time.Duration {
				d, _ := runCPU(b, ns, fmt.Sprintf("insert rule ip nftsync-filter BIG ip saddr 192.0.2.%d counter drop\n", 200+k), "nft", "-f")
				return d
			})
			rows = append(rows, row{name: fmt.Sprintf("%d %s nft insert rule (%d segments)", n, layout, segs), peer: peer})
			be.Close()
		}
	}
	fmt.Printf("\n%-62s %10s %10s %10s %10s %10s\n", "one-rule change (medians)", "apply ms", "cpu ms", "engine ms", "engine cpu", "nft ms")
	for _, r := range rows {
		f := func(d time.Duration) string {
			if d == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000)
		}
		fmt.Printf("%-62s %10s %10s %10s %10s %10s\n", strings.TrimSpace(r.name), f(r.wall), f(r.cpu), f(r.engine), f(r.engineCPU), f(r.peer))
	}
}
