package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/nft"
	"github.com/nftsync/nftsync/rule"
)

// results collects one duration per measurement for the summary table.
type results struct {
	mu    sync.Mutex
	d     map[string]time.Duration
	bytes map[string]int64
}

func (r *results) putBytes(name string, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bytes[name] = n
}

func (r *results) put(b *testing.B, name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.d[name] = d
	b.ReportMetric(float64(d.Microseconds())/1000, "ms")
}

// ruleset returns n distinct rules (`-s X -p tcp --dport P -m comment ... -j
// ACCEPT`) in the IPv4 filter chain BIG, jumped to from FORWARD.
func ruleset(b *testing.B, n int) *firewall.Ruleset {
	b.Helper()
	big := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "BIG"}
	for i := 0; i < n; i++ {
		big.Rules = append(big.Rules, firewall.Rule{Spec: mustParse(b, specOf(i))})
	}
	fwd := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "FORWARD",
		Rules: []firewall.Rule{{Spec: mustParse(b, "-j BIG")}}}
	return &firewall.Ruleset{Chains: []*firewall.Chain{fwd, big}}
}

// withRule returns a new Ruleset equal to rs but for rule i of its BIG
// chain, sharing everything else.
func withRule(rs *firewall.Ruleset, i int, r *rule.Rule) *firewall.Ruleset {
	big := *rs.Chains[1]
	big.Rules = append([]firewall.Rule(nil), big.Rules...)
	big.Rules[i] = firewall.Rule{Spec: r}
	return &firewall.Ruleset{Chains: []*firewall.Chain{rs.Chains[0], &big}}
}

func specOf(i int) string {
	return fmt.Sprintf(`-s 10.%d.%d.%d/32 -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`,
		i>>16&255, i>>8&255, i&255, 1024+i%50000, i)
}

func mustParse(b *testing.B, s string) *rule.Rule {
	r, err := rule.ParseString(rule.IPv4, s)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// nftScript is the ruleset as the nft script iptables-restore-translate
// would give, in the engine's table.
func nftScript(b *testing.B, rs *firewall.Ruleset) string {
	var s strings.Builder
	s.WriteString("add table ip nftsync-filter\n")
	s.WriteString("add chain ip nftsync-filter FORWARD { type filter hook forward priority 0; policy accept; }\n")
	s.WriteString("add chain ip nftsync-filter BIG\n")
	for _, c := range rs.Chains {
		for _, r := range nftRules(b, c) {
			fmt.Fprintf(&s, "add rule ip nftsync-filter %s %s\n", c.Name, r)
		}
	}
	return s.String()
}

// nftRules returns the nft text of the rules of c.
func nftRules(b *testing.B, c *firewall.Chain) []string {
	out := make([]string, 0, len(c.Rules))
	for _, r := range c.Rules {
		tr, err := r.Spec.Translate()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, tr.Text())
	}
	return out
}

// restoreFile is the ruleset as an iptables-restore file.
func restoreFile(rs *firewall.Ruleset) string {
	var s strings.Builder
	s.WriteString("*filter\n:FORWARD ACCEPT [0:0]\n:BIG - [0:0]\n")
	for _, c := range rs.Chains {
		for _, r := range c.Rules {
			fmt.Fprintf(&s, "-A %s %s\n", c.Name, r.Spec)
		}
	}
	s.WriteString("COMMIT\n")
	return s.String()
}

// run times one command inside ns reading file on stdin.
func run(b *testing.B, ns *netnstest.NS, file string, name string, args ...string) time.Duration {
	d, _ := runCPU(b, ns, file, name, args...)
	return d
}

// runCPU is run that also returns the CPU time (user and system) the
// command used: on a loaded machine the wall time also counts the waits
// for a CPU.
func runCPU(b *testing.B, ns *netnstest.NS, file string, name string, args ...string) (time.Duration, time.Duration) {
	p := filepath.Join(b.TempDir(), "in")
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, append(args, p)...)...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(t0)
	if err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func backend(b *testing.B, ns *netnstest.NS) *nft.Backend {
	be, err := nft.New(nft.WithNetNS(ns.Path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	return be
}

func timed(b *testing.B, f func() (*firewall.Plan, error)) (time.Duration, *firewall.Plan) {
	t0 := time.Now()
	p, err := f()
	d := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	return d, p
}

// BenchmarkEngine runs every measurement once and prints a table with the
// engine's times next to `nft -f` and `iptables-nft-restore` of the same
// rules.
func BenchmarkEngine(b *testing.B) {
	netnstest.RequireBinary(b, "nft")
	netnstest.RequireBinary(b, "iptables-nft-restore")
	res := &results{d: map[string]time.Duration{}, bytes: map[string]int64{}}
	ctx := context.Background()
	sizes := []int{1000, 10000, 100000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		rs := ruleset(b, n)
		b.Run(fmt.Sprintf("cold-apply/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ns := netnstest.New(b)
				be := backend(b, ns)
				d, p := timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, rs) })
				if len(p.Changes) != n+3 {
					b.Fatalf("cold apply made %d changes", len(p.Changes))
				}
				res.put(b, fmt.Sprintf("cold-apply/%d", n), d)
			}
		})
		b.Run(fmt.Sprintf("nft-f/%d", n), func(b *testing.B) {
			script := nftScript(b, rs)
			for i := 0; i < b.N; i++ {
				ns := netnstest.New(b)
				d, cpu := runCPU(b, ns, script, "nft", "-f")
				res.put(b, fmt.Sprintf("nft-f/%d", n), d)
				res.put(b, fmt.Sprintf("cpu/nft-f/%d", n), cpu)
				// One nft process inserting one rule into the whole chain
				// nft -f made: the kernel's floor without segments (the
				// controller's row compares with an insert into the
				// chain as nftsync lays it out).
				res.put(b, fmt.Sprintf("nft-insert-rule-whole/%d", n), medianOf(5, func(k int) time.Duration {
					return run(b, ns, fmt.Sprintf("insert rule ip nftsync-filter BIG ip saddr 192.0.2.%d counter drop\n", 200+k), "nft", "-f")
				}))
			}
		})
		b.Run(fmt.Sprintf("iptables-nft-restore/%d", n), func(b *testing.B) {
			file := restoreFile(rs)
			for i := 0; i < b.N; i++ {
				res.put(b, fmt.Sprintf("iptables-nft-restore/%d", n), run(b, netnstest.New(b), file, "iptables-nft-restore"))
			}
		})
		peerRuns(b, res, rs, n)
	}
	rs := ruleset(b, 10000)
	b.Run("warm/10000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ns := netnstest.New(b)
			be := backend(b, ns)
			if _, err := be.Apply(ctx, rs); err != nil {
				b.Fatal(err)
			}
			res.put(b, "noop-apply/10000", medianOf(repeats, func(int) time.Duration {
				d, p := timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, rs) })
				if !p.Empty() {
					b.Fatalf("no-op apply changed %d", len(p.Changes))
				}
				return d
			}))
			ns.NFT("add table ip unrelated")
			d, p := timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, rs) })
			if !p.Empty() {
				b.Fatalf("forced-dump apply changed %d", len(p.Changes))
			}
			res.put(b, "forced-dump-apply/10000", d)
			// A new Ruleset sharing the unchanged *rule.Rule values, as a
			// controller that keeps its parsed rules passes it; each repeat
			// changes rule 5000 again.
			res.put(b, "one-rule-change/10000", medianOf(repeats, func(k int) time.Duration {
				changed := withRule(rs, 5000, mustParse(b, fmt.Sprintf("-s 192.0.2.%d -j DROP", k+1)))
				d, p := timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, changed) })
				if len(p.Changes) != 2 {
					b.Fatalf("one-rule change made %d changes", len(p.Changes))
				}
				return d
			}))
			// Every rule parsed again: each is recognised by its text.
			res.put(b, "one-rule-change-reparsed/10000", medianOf(5, func(k int) time.Duration {
				reparsed := ruleset(b, 10000)
				reparsed.Chains[1].Rules[5000] = firewall.Rule{Spec: mustParse(b, fmt.Sprintf("-s 192.0.2.%d -j DROP", 100+k))}
				d, p := timed(b, func() (*firewall.Plan, error) { return be.Apply(ctx, reparsed) })
				if len(p.Changes) != 2 {
					b.Fatalf("one-rule change (reparsed) made %d changes", len(p.Changes))
				}
				return d
			}))
		}
	})
	controllerRuns(b, res)
	printTable(res)
}

// kiloRules builds n rules the way Kilo does: a fresh []controller.Rule
// from argument lists (parsed by NewIPv4Rule), with rule `changed` replaced
// by a DROP of 192.0.2.variant.
func kiloRules(n, changed, variant int) []controller.Rule {
	rules := []controller.Rule{
		controller.NewIPv4Chain("filter", "BIG"),
		controller.NewIPv4Rule("filter", "FORWARD", "-j", "BIG"),
	}
	for i := 0; i < n; i++ {
		args := []string{"-s", fmt.Sprintf("10.%d.%d.%d/32", i>>16&255, i>>8&255, i&255), "-p", "tcp",
			"--dport", fmt.Sprint(1024 + i%50000), "-m", "comment", "--comment", fmt.Sprintf("rule %d", i), "-j", "ACCEPT"}
		if i == changed {
			args = []string{"-s", fmt.Sprintf("192.0.2.%d", variant), "-j", "DROP"}
		}
		rules = append(rules, controller.NewIPv4Rule("filter", "BIG", args...))
	}
	return rules
}

// controllerRuns measures what a Kilo-like caller sees through the
// controller API: Set and Reconcile, rules built afresh for every Set.
func controllerRuns(b *testing.B, res *results) {
	sizes := []int{1000, 10000, 100000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	if os.Getenv("NFTSYNC_BENCH_1M") != "" {
		// A million rules: the kernel takes them (nft -f needs 30 s and
		// 4 GB), so the controller's rows and nft -f run at that size
		// too when asked; the peers would take many minutes.
		sizes = append(sizes, 1000000)
		b.Run("nft-f/1000000", func(b *testing.B) {
			script := nftScript(b, ruleset(b, 1000000))
			for i := 0; i < b.N; i++ {
				d, cpu := runCPU(b, netnstest.New(b), script, "nft", "-f")
				res.put(b, "nft-f/1000000", d)
				res.put(b, "cpu/nft-f/1000000", cpu)
			}
		})
	}
	newController := func(b *testing.B, ns *netnstest.NS) *controller.Controller {
		c, err := controller.New(controller.WithNetNS(ns.Path), controller.WithBackend(controller.BackendNFTables))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("controller/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				controllerRun(b, res, newController, n)
			}
		})
	}
}

// controllerRun measures, at n rules in one namespace: a cold Set, what
// it holds (heap and RSS per rule), a no-op Reconcile, Set with one rule
// changed (the whole list rebuilt, as Kilo does), one `nft insert rule`
// process into the same chain, and a Reconcile forced to read the kernel.
func controllerRun(b *testing.B, res *results, newController func(*testing.B, *netnstest.NS) *controller.Controller, n int) {
	ns := netnstest.New(b)
	c := newController(b, ns)
	name := func(s string) string { return fmt.Sprintf("%s/%d", s, n) }
	// The parsed rules the controller keeps are made by kiloRules: the
	// memory is measured from before.
	heap0, rss0 := heldMemory()
	rules := kiloRules(n, -1, 0)
	t0, cpu0 := time.Now(), cpuTime()
	if err := c.Set(rules); err != nil {
		b.Fatal(err)
	}
	res.put(b, name("controller-cold-set"), time.Since(t0))
	res.put(b, name("cpu/controller-cold-set"), cpuTime()-cpu0)
	rules = nil
	heap, rss := heldMemory()
	res.putBytes(name("controller-heap-per-rule"), int64(heap-heap0)/int64(n))
	res.putBytes(name("controller-rss-per-rule"), (int64(rss)-int64(rss0))/int64(n))
	res.put(b, name("controller-noop-reconcile"), medianOf(repeats, func(int) time.Duration {
		t0 := time.Now()
		if err := c.Reconcile(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}))
	// Each repeat rebuilds all n rules (as Kilo does, not timed) with
	// rule n/2 alternating, and times Set.
	cpus := make([]time.Duration, repeats)
	res.put(b, name("controller-set-one-rule-changed"), medianOf(repeats, func(k int) time.Duration {
		rules := kiloRules(n, n/2, 1+k)
		t0, cpu0 := time.Now(), cpuTime()
		if err := c.Set(rules); err != nil {
			b.Fatal(err)
		}
		cpus[k] = cpuTime() - cpu0
		return time.Since(t0)
	}))
	res.put(b, name("cpu/controller-set-one-rule-changed"), medianOf(repeats, func(k int) time.Duration { return cpus[k] }))
	// The table: the rule is in one of BIG's segments.
	if got := ns.Exec("nft", "list", "table", "ip", "nftsync-filter"); !strings.Contains(got, fmt.Sprintf("ip saddr 192.0.2.%d counter packets 0 bytes 0 drop", repeats)) {
		b.Fatalf("the changed rule is not in the kernel:\n%.300s", got)
	}
	// The same change by hand: one nft process inserting a rule into the
	// chain (each a foreign rule, which the forced read below removes).
	inserts := make([]time.Duration, 5)
	res.put(b, name("nft-insert-rule"), medianOf(len(inserts), func(k int) time.Duration {
		d, cpu := runCPU(b, ns, fmt.Sprintf("insert rule ip nftsync-filter BIG ip saddr 192.0.2.%d counter drop\n", 200+k), "nft", "-f")
		inserts[k] = cpu
		return d
	}))
	res.put(b, name("cpu/nft-insert-rule"), medianOf(len(inserts), func(k int) time.Duration { return inserts[k] }))
	ns.NFT("add table ip unrelated")
	t0 = time.Now()
	if err := c.Reconcile(); err != nil {
		b.Fatal(err)
	}
	res.put(b, name("controller-reconcile-forced-read"), time.Since(t0))
}

// heldMemory returns the heap in use and the process's RSS once garbage
// is collected and freed pages are returned, so that RSS shows what is
// held rather than a peak.
func heldMemory() (heap, rss uint64) {
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, rssBytes()
}

// repeats is how often the quick measurements run; the table shows the
// median, since one run of a few milliseconds is at the mercy of the GC.
const repeats = 9

// medianOf runs f n times and returns the median duration.
func medianOf(n int, f func(k int) time.Duration) time.Duration {
	ds := make([]time.Duration, n)
	for k := range ds {
		ds[k] = f(k)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[n/2]
}

func printTable(res *results) {
	res.mu.Lock()
	defer res.mu.Unlock()
	names := make([]string, 0, len(res.d))
	for k := range res.d {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Printf("\n%-40s %12s %10s %14s %14s %12s\n", "measurement", "ms", "÷ nft -f", "÷ ipt-restore", "÷ nft insert", "÷ knftables")
	for _, k := range names {
		d := res.d[k]
		size := k[strings.LastIndex(k, "/")+1:]
		prefix := ""
		if strings.HasPrefix(k, "cpu/") {
			prefix = "cpu/" // CPU times compare with CPU times
		}
		ratio := func(ref string) string {
			r, ok := res.d[prefix+ref+"/"+size]
			if !ok || r == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", float64(d)/float64(r))
		}
		peer := "-"
		if p := knftablesPeer(k); p != "" && prefix == "" {
			peer = ratio(p)
		}
		fmt.Printf("%-40s %12.3f %10s %14s %14s %12s\n", k, float64(d.Microseconds())/1000, ratio("nft-f"), ratio("iptables-nft-restore"), ratio("nft-insert-rule"), peer)
	}
	names = names[:0]
	for k := range res.bytes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("%-40s %12d bytes\n", k, res.bytes[k])
	}
}

// knftablesPeer names the knftables row a row of nftsync compares with:
// a cold apply with knftables' apply, a one-rule change with its flush and
// re-add, a read of the kernel with its ListRules.
func knftablesPeer(row string) string {
	name := row[:strings.LastIndex(row, "/")]
	switch name {
	case "cold-apply", "controller-cold-set":
		return "knftables-apply"
	case "one-rule-change", "controller-set-one-rule-changed":
		return "knftables-flush-readd"
	case "forced-dump-apply", "controller-reconcile-forced-read":
		return "knftables-listrules"
	}
	return ""
}
