package nft

import (
	"fmt"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// watched returns a fresh namespace, a backend in it and its watcher.
func watched(t *testing.T) (*netnstest.NS, *Backend, *Watcher) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	w, err := b.Watch()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return ns, b, w
}

// events reads events from w on a goroutine.
func events(t *testing.T, w *Watcher) <-chan Event {
	ch := make(chan Event, 1024)
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
	return ch
}

// nextEvent waits for the next event; a missing one fails the test.
func nextEvent(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watcher stopped")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}
}

// TestWatcherClassifiesCommits checks that each transaction is reported
// once with its generation, that only changes to owned tables count as
// owned, and that the backend recognises its own commits.
func TestWatcherClassifiesCommits(t *testing.T) {
	ns, b, w := watched(t)
	ch := events(t, w)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "FORWARD", "", "-s 10.0.0.1 -j ACCEPT", "-d 10.0.0.2 -j ACCEPT"),
	}}
	apply(t, b, rs)
	own := nextEvent(t, ch)
	if own.Lost || !own.Owned || !b.Committed(own.Gen) {
		t.Fatalf("own apply: got %+v, Committed=%v; want an owned event of an own commit", own, b.Committed(own.Gen))
	}

	ns.NFT("add table inet other\nadd chain inet other c\nadd rule inet other c counter")
	other := nextEvent(t, ch)
	if other.Owned || other.Lost || other.Gen != own.Gen+1 || b.Committed(other.Gen) {
		t.Fatalf("change to another table: got %+v, want a foreign event for generation %d that is not owned", other, own.Gen+1)
	}

	// A table of another owner whose name starts like ours is not ours.
	ns.NFT("add table ip nftsync-filter2\nadd table ip6 nftsync-filterx")
	if ev := nextEvent(t, ch); ev.Owned {
		t.Fatalf("tables of other names: got %+v, want not owned", ev)
	}

	ns.NFT("flush chain ip nftsync-filter FORWARD")
	foreign := nextEvent(t, ch)
	if !foreign.Owned || foreign.Lost || b.Committed(foreign.Gen) {
		t.Fatalf("flushing an owned chain: got %+v, Committed=%v; want an owned foreign event", foreign, b.Committed(foreign.Gen))
	}

	// The repair is the backend's own commit again.
	if p := apply(t, b, rs); p.Empty() {
		t.Fatal("the flushed chain was not repaired")
	}
	repair := nextEvent(t, ch)
	if !repair.Owned || !b.Committed(repair.Gen) || repair.Gen != foreign.Gen+1 {
		t.Fatalf("repair: got %+v, want the own commit after generation %d", repair, foreign.Gen)
	}

	ns.NFT("delete table ip nftsync-filter")
	if ev := nextEvent(t, ch); !ev.Owned || b.Committed(ev.Gen) {
		t.Fatalf("deleting an owned table: got %+v, want an owned foreign event", ev)
	}
	if err := b.CleanUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		t.Fatalf("CleanUp of nothing committed nothing, yet got %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestWatcherReportsLoss overflows a watcher with a tiny receive buffer
// with one big batch and checks that the loss is reported, and that the
// watcher keeps working after it.
func TestWatcherReportsLoss(t *testing.T) {
	ns, b, w := watched(t)
	// Not reading while the batch is committed makes it overflow for sure.
	if err := w.c.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	big := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "BIG"}
	for i := range 2000 {
		r, err := rule.ParseString(rule.IPv4, fmt.Sprintf("-s 10.1.%d.%d -j ACCEPT", i/256, i%256))
		if err != nil {
			t.Fatal(err)
		}
		big.Rules = append(big.Rules, firewall.Rule{Spec: r})
	}
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{big}})
	ch := events(t, w)
	lost := false
	for !lost {
		ev := nextEvent(t, ch)
		lost = ev.Lost
		if ev.Lost && !ev.Owned {
			t.Fatalf("a loss must count as owned: %+v", ev)
		}
	}
	// Drain what the overflow left, then check that events still arrive
	// (the transaction received when the loss was noticed counts as
	// owned).
	ns.NFT("add table ip after-loss")
	ns.NFT("add table ip after-loss2")
	for {
		ev := nextEvent(t, ch)
		if !ev.Lost && !ev.Owned && ev.Gen != 0 {
			break
		}
	}
}
