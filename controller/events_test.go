package controller

import (
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/nft"
	"github.com/prometheus/client_golang/prometheus"
)

// sample reads a counter's value or a histogram's sample count. It goes
// through a registry (Gather) so as not to import the metrics' protobuf
// types.
func sample(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(single{m}); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil || len(families) != 1 || len(families[0].GetMetric()) != 1 {
		t.Fatalf("gathering %v: %v", m.Desc(), err)
	}
	got := families[0].GetMetric()[0]
	if h := got.GetHistogram(); h != nil {
		return float64(h.GetSampleCount())
	}
	return got.GetCounter().GetValue()
}

// single collects one metric.
type single struct{ m prometheus.Metric }

func (s single) Describe(ch chan<- *prometheus.Desc) { ch <- s.m.Desc() }
func (s single) Collect(ch chan<- prometheus.Metric) { ch <- s.m }

var counterValues = regexp.MustCompile(`counter packets \d+ bytes \d+`)

// ruleset lists the namespace's whole ruleset, counters zeroed.
func ruleset(ns *netnstest.NS) string {
	return counterValues.ReplaceAllString(ns.Exec("nft", "list", "ruleset"), "counter")
}

// eventually polls cond until it holds; a repair that waited for the
// resync period (a minute here) fails the test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunRepairsOnEvents changes the owned state with nft while Run runs
// with a resync period of a minute, and checks that every change is
// repaired at once, that the controller's own commits and an idle ruleset
// cost nothing, and that a change elsewhere is left alone.
func TestRunRepairsOnEvents(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	obs := &firewall.Counter{}
	c, err := New(WithNetNS(ns.Path), WithResyncPeriod(time.Minute), WithObserver(obs),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rules := []Rule{
		NewIPv4Chain("filter", "KILO-FWD"),
		NewIPv4Rule("filter", "FORWARD", "-s", "10.2.1.0/24", "-j", "KILO-FWD"),
		NewIPv4Rule("filter", "KILO-FWD", "-d", "10.4.0.0/16", "-j", "ACCEPT"),
		NewIPv4Rule("nat", "POSTROUTING", "-s", "10.2.1.0/24", "-m", "comment", "--comment", "Kilo: jump", "-j", "MASQUERADE"),
	}
	if err := c.Set(rules); err != nil {
		t.Fatal(err)
	}
	want := ruleset(ns)
	stop := make(chan struct{})
	defer close(stop)
	errs, err := c.Run(stop)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for err := range errs {
			t.Errorf("Run: %v", err)
		}
	}()

	changes := []struct{ name, script string }{
		{"flushed chain", "flush chain ip nftsync-filter KILO-FWD"},
		{"deleted table", "delete table ip nftsync-nat"},
		{"foreign rule", "add rule ip nftsync-filter FORWARD ip saddr 192.0.2.1 counter drop"},
	}
	const reps = 3
	for range reps {
		for _, ch := range changes {
			ns.NFT(ch.script)
			eventually(t, ch.name+" repaired", func() bool { return ruleset(ns) == want })
		}
	}
	eventually(t, "repairs counted", func() bool { return sample(t, c.metrics.repair) == reps*float64(len(changes)) })
	if got := sample(t, c.metrics.events.WithLabelValues("foreign")); got != reps*float64(len(changes)) {
		t.Errorf("%v foreign events, want %d", got, reps*len(changes))
	}

	// Idle: no generation check, no dump.
	obs.Take()
	time.Sleep(200 * time.Millisecond)
	if ops := obs.Take(); len(ops) != 0 {
		t.Errorf("an idle controller did %v", ops)
	}

	// The controller's own change is recognised and not reconciled.
	own := sample(t, c.metrics.events.WithLabelValues("own"))
	reconciles := sample(t, c.metrics.duration.WithLabelValues("reconcile").(prometheus.Metric))
	if err := c.Set(rules[:3]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "own commit reported", func() bool { return sample(t, c.metrics.events.WithLabelValues("own")) > own })

	// A change elsewhere in the ruleset is not a reason to reconcile.
	ns.NFT("add table inet other")
	eventually(t, "unrelated commit reported", func() bool { return sample(t, c.metrics.events.WithLabelValues("unrelated")) > 0 })
	time.Sleep(2 * settle)
	if got := sample(t, c.metrics.duration.WithLabelValues("reconcile").(prometheus.Metric)); got != reconciles {
		t.Errorf("%v reconciles after the controller's own Set and an unrelated change, want none", got-reconciles)
	}
}

// TestFightBackoff: quick foreign changes are tolerated a few times, then
// each repair waits twice as long, up to maxBackoff; a quiet spell ends it.
func TestFightBackoff(t *testing.T) {
	var f fight
	var got []time.Duration
	for range fightTolerance + 12 {
		got = append(got, f.wait(time.Millisecond))
	}
	for i, d := range got {
		want := settle
		if i >= fightTolerance {
			want = min(settle<<(i-fightTolerance+1), maxBackoff)
		}
		if d != want {
			t.Fatalf("wait %d = %v, want %v (all %v)", i, d, want, got)
		}
	}
	if d := f.wait(fightWindow); d != settle || f.quick != 0 {
		t.Fatalf("after a quiet spell: wait %v, quick %d; want %v, 0", d, f.quick, settle)
	}
}

// TestRunSlowsDownAFight runs a controller against a foreign writer that
// keeps adding a rule to an owned chain right after each repair (two
// controllers of one owner can no longer fight: the owner lock refuses the
// second), and checks that the controller backs off instead of rewriting
// the ruleset in a loop.
func TestRunSlowsDownAFight(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	stop := make(chan struct{})
	defer close(stop)
	c, err := New(WithNetNS(ns.Path), WithResyncPeriod(time.Minute), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set([]Rule{NewIPv4Rule("filter", "FORWARD", "-d", "10.4.0.0/16", "-j", "ACCEPT")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(stop); err != nil {
		t.Fatal(err)
	}
	// The foreign writer: a rule every 20ms for 2s. Without backoff each
	// one is repaired within milliseconds: about 100 repairs. With it: the
	// tolerated quick ones, then waits of 20ms, 40ms, ... (about 10 in all;
	// measured without backoff: 56-64).
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := ns.TryExec("nft", "add", "rule", "ip", DefaultOwner+"-filter", "FORWARD", "counter"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("repairs: %v", sample(t, c.metrics.repair))
	if n := sample(t, c.metrics.repair); n > 30 {
		t.Errorf("controller repaired %v times in 2s against a writer adding a rule every 20ms", n)
	}
	if n := sample(t, c.metrics.repair); n < 1 {
		t.Errorf("controller never repaired the foreign rules")
	}
}

// ownGens is an eventEngine whose own commits are a fixed set.
type ownGens map[uint32]bool

func (o ownGens) Watch() (*nft.Watcher, error) { return nil, errors.New("not a kernel") }
func (o ownGens) Committed(gen uint32) bool    { return o[gen] }

// TestCoalesce feeds events to the coalescing loop: a burst of foreign
// changes gives one signal, the controller's own commits and unrelated
// ones give none, a loss gives one, and each that needs a repair marks
// the time the repair latency is measured from.
func TestCoalesce(t *testing.T) {
	c, err := New(WithEngine(&fakeEngine{}))
	if err != nil {
		t.Fatal(err)
	}
	evs := make(chan nft.Event)
	out := make(chan struct{}, 1)
	stop := make(chan struct{})
	defer close(stop)
	go c.coalesce(ownGens{7: true}, evs, out, stop)
	// signals counts the signals of a step: it waits for the first as
	// long as a loaded machine may need (when one is expected), then for
	// more during ten quiet waits.
	signals := func(expect bool) int {
		n := 0
		if expect {
			select {
			case <-out:
				n++
			case <-time.After(5 * time.Second):
				return 0
			}
		}
		for {
			select {
			case <-out:
				n++
			case <-time.After(10 * settle):
				return n
			}
		}
	}
	t0 := time.Now()
	for gen := uint32(1); gen <= 5; gen++ {
		evs <- nft.Event{Gen: gen, Owned: true, At: t0.Add(time.Duration(gen))}
	}
	if n := signals(true); n != 1 {
		t.Fatalf("a burst of 5 foreign changes gave %d signals, want 1", n)
	}
	if got := c.takeDrift(); !got.Equal(t0.Add(1)) {
		t.Errorf("drift marked at %v, want the first change's time %v", got, t0.Add(1))
	}
	evs <- nft.Event{Gen: 7, Owned: true, At: time.Now()}
	evs <- nft.Event{Gen: 8, Owned: false, At: time.Now()}
	if n := signals(false); n != 0 {
		t.Fatalf("an own and an unrelated commit gave %d signals, want 0", n)
	}
	if got := c.takeDrift(); !got.IsZero() {
		t.Errorf("drift marked at %v by changes that need no repair", got)
	}
	evs <- nft.Event{Lost: true, Owned: true, At: time.Now()}
	if n := signals(true); n != 1 {
		t.Fatalf("a loss gave %d signals, want 1", n)
	}
}

// TestRunRepairsPlacedRules: with the filter table placed in iptables'
// own, a flush of iptables' FORWARD (by iptables-nft, as Docker or an
// admin would) is repaired by the event-driven Run, not only at the next
// resync.
func TestRunRepairsPlacedRules(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	c, err := New(WithNetNS(ns.Path), WithResyncPeriod(time.Hour), WithPlacement("filter"),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set([]Rule{NewIPv4Rule("filter", "FORWARD", "-s", "10.2.1.0/24", "-m", "comment", "--comment", "pods", "-j", "ACCEPT")}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	if _, err := c.Run(stop); err != nil {
		t.Fatal(err)
	}
	saved := func() string { return ns.Exec("iptables-nft-save", "-t", "filter") }
	const want = "-A FORWARD -s 10.2.1.0/24 -m comment --comment pods -j ACCEPT"
	if !strings.Contains(saved(), want) {
		t.Fatalf("iptables-nft-save lacks the placed rule:\n%s", saved())
	}
	ns.Exec("iptables-nft", "-F", "FORWARD")
	eventually(t, "flushed FORWARD repaired", func() bool { return strings.Contains(saved(), want) })
}
