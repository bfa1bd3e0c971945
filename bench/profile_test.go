package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// profileDir is where BenchmarkOneChange writes its profiles (`go tool
// pprof -top bench/out/one-change-10000.cpu.prof`).
const profileDir = "out"

// BenchmarkOneChange profiles Kilo's pattern, the whole list passed to Set
// again with one rule different, at 10k and 100k rules: a CPU profile of
// the cold Set, one of the one-rule Sets (the lists are built outside the
// profiles) and, after the cold Set and a GC, a heap profile of what the
// controller holds. It
// reports our share of a one-rule Set (the median Set), the heap in use
// per rule and the process's RSS per rule.
func BenchmarkOneChange(b *testing.B) {
	netnstest.RequireBinary(b, "nft")
	sizes := []int{10000, 100000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	if err := os.MkdirAll(profileDir, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				oneChange(b, n)
			}
		})
	}
}

func oneChange(b *testing.B, n int) {
	ns := netnstest.New(b)
	c, err := controller.New(controller.WithNetNS(ns.Path), controller.WithBackend(controller.BackendNFTables))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	runtime.GC()
	base := heapInUse()
	rules := kiloRules(n, -1, 0)
	cold := createProfile(b, fmt.Sprintf("cold-set-%d.cpu.prof", n))
	defer cold.Close()
	if err := pprof.StartCPUProfile(cold); err != nil {
		b.Fatal(err)
	}
	err = c.Set(rules)
	pprof.StopCPUProfile()
	if err != nil {
		b.Fatal(err)
	}
	rules = nil
	// FreeOSMemory collects and returns the freed pages, so that RSS
	// shows what is held rather than the peak of the cold Set.
	debug.FreeOSMemory()
	heap, held := heapInUse()-base, rssBytes()
	writeProfile(b, fmt.Sprintf("one-change-%d.heap.prof", n), func(f *os.File) error {
		return pprof.Lookup("heap").WriteTo(f, 0)
	})
	b.ReportMetric(float64(heap)/float64(n), "heap-B/rule")
	b.ReportMetric(float64(held)/float64(n), "rss-B/rule")
	lists := make([][]controller.Rule, 3*repeats)
	for k := range lists {
		lists[k] = kiloRules(n, n/2, 1+k)
	}
	f := createProfile(b, fmt.Sprintf("one-change-%d.cpu.prof", n))
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	ds := make([]time.Duration, len(lists))
	cpu0 := cpuTime()
	for k, l := range lists {
		t0 := time.Now()
		if err := c.Set(l); err != nil {
			pprof.StopCPUProfile()
			b.Fatal(err)
		}
		ds[k] = time.Since(t0)
	}
	pprof.StopCPUProfile()
	cpu := (cpuTime() - cpu0) / time.Duration(len(lists))
	set := medianOf(len(ds), func(k int) time.Duration { return ds[k] })
	// The same change by hand: one nft process inserting one rule into
	// the chain (last, so that no Set above reads the foreign rules).
	insert := medianOf(5, func(k int) time.Duration {
		t0 := time.Now()
		ns.NFT(fmt.Sprintf("insert rule ip nftsync-filter BIG ip saddr 192.0.2.%d counter drop", 200+k))
		return time.Since(t0)
	})
	b.ReportMetric(ms(cpu), "cpu-ms/set")
	b.ReportMetric(ms(set), "set-ms")
	b.ReportMetric(ms(insert), "nft-insert-ms")
	fmt.Printf("\none-rule Set of %d rules: %.3f ms (CPU %.3f ms), one `nft insert rule` %.3f ms, ratio %.2f; heap %d B/rule, RSS %d B/rule\n",
		n, ms(set), ms(cpu), ms(insert), float64(set)/float64(insert), heap/uint64(n), held/uint64(n))
}

// cpuTime is the CPU time the process used, user and system (the kernel's
// share of a commit runs in the sending thread's system time).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// rssBytes returns the process's resident set size in bytes (0 when unknown).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res uint64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0
	}
	return res * uint64(os.Getpagesize())
}

func createProfile(b *testing.B, name string) *os.File {
	f, err := os.Create(filepath.Join(profileDir, name))
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func writeProfile(b *testing.B, name string, write func(*os.File) error) {
	f := createProfile(b, name)
	defer f.Close()
	if err := write(f); err != nil {
		b.Fatal(err)
	}
}
