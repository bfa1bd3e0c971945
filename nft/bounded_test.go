package nft

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// bigChain returns the FORWARD → BIG ruleset of largeRuleset with the
// rules of BIG given by index: rule i is largeRuleset's rule i, a
// negative index -k another rule (k).
func bigChain(t testing.TB, idx []int) *firewall.Ruleset {
	t.Helper()
	rs := largeRuleset(t, 0)
	for _, i := range idx {
		s := fmt.Sprintf(`-s 10.%d.%d.%d/32 -p tcp --dport %d -m comment --comment "rule %d" -j ACCEPT`,
			i>>16&255, i>>8&255, i&255, 1024+i%50000, i)
		if i < 0 {
			s = fmt.Sprintf(`-s 192.%d.%d.%d -p udp --dport %d -j DROP`, -i>>16&255, -i>>8&255, -i&255, 1+(-i)%60000)
		}
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			t.Fatal(err)
		}
		rs.Chains[1].Rules = append(rs.Chains[1].Rules, firewall.Rule{Spec: r})
	}
	return rs
}

// flushes counts the chain flushes and the deletions by handle of a batch.
func flushes(b *batch) (flush, byHandle int) {
	for _, m := range b.msgs {
		if m.Header.Type != nftType(unix.NFT_MSG_DELRULE) {
			continue
		}
		if _, ok := m.handle(); ok {
			byHandle++
		} else {
			flush++
		}
	}
	return flush, byHandle
}

// TestBoundedReplace checks both ways of replacing a chain's rules: most
// of a 3000-rule chain replaced (a flush and every rule added again), and
// a few rules changed (deletions by handle, kept rules keep their
// handles). Each is planned from memory and, after a foreign rule, from a
// dump (drift repair uses the same planner); the end state must be what a
// fresh install gives, in order, and another writer's `nft add table`
// running meanwhile must succeed.
func TestBoundedReplace(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	const n = 3000
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	// most: every 100th rule stays, the others are replaced.
	most := make([]int, n)
	for i := range most {
		most[i] = -1 - i
		if i%100 == 0 {
			most[i] = i
		}
	}
	// few: two rules replaced, one inserted.
	few := append([]int{-7}, all[1:1500]...)
	few = append(few, -8)
	few = append(few, all[1501:2999]...)
	few = append(few, -9, all[2999])
	cases := []struct {
		name      string
		to        []int
		wantFlush bool
	}{
		{"most replaced", most, true},
		{"few replaced", few, false},
	}
	for _, tc := range cases {
		for _, drift := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/drift=%v", tc.name, drift), func(t *testing.T) {
				ns := netnstest.New(t)
				// The planner's choice within one kernel chain.
				b, _ := newBackend(t, ns, WithSegments(0))
				apply(t, b, bigChain(t, all))
				before := ruleHandles(t, ns, "ip", "nftsync-filter", "BIG")
				if drift {
					ns.NFT("add rule ip nftsync-filter BIG counter")
				}
				to := bigChain(t, tc.to)
				d, err := compile(b.owner, to, b.cache)
				if err != nil {
					t.Fatal(err)
				}
				gen, err := b.getGen()
				if err != nil {
					t.Fatal(err)
				}
				st, _, fromModel, err := b.state(context.Background(), gen)
				if err != nil || fromModel == drift {
					t.Fatalf("state: %v (from memory %v, drift %v)", err, fromModel, drift)
				}
				pl, err := makePlan(d, st)
				if err != nil {
					t.Fatal(err)
				}
				flush, byHandle := flushes(pl.batch)
				if (flush == 1) != tc.wantFlush || (byHandle == 0) != tc.wantFlush {
					t.Errorf("plan has %d flushes and %d deletions by handle, want a flush: %v", flush, byHandle, tc.wantFlush)
				}
				if bulky(pl.batch.msgs[0]) {
					t.Errorf("the batch starts with %v, whose echo reports every rule", pl.batch.msgs[0].Header.Type)
				}
				// Another writer meanwhile.
				var wg sync.WaitGroup
				var probeErr error
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := exec.Command("ip", "netns", "exec", ns.Name, "nft", "add", "table", "ip", "other").CombinedOutput()
					if err != nil {
						probeErr = fmt.Errorf("%v: %s", err, out)
					}
				}()
				p := apply(t, b, to)
				wg.Wait()
				if probeErr != nil {
					t.Fatalf("concurrent nft add table: %v", probeErr)
				}
				if len(p.Changes) == 0 {
					t.Fatal("empty plan")
				}
				// The end state is a fresh install's, in order.
				fresh := netnstest.New(t)
				fb, _ := newBackend(t, fresh, WithSegments(0))
				apply(t, fb, to)
				if got, want := listing(ns, "ip", "nftsync-filter"), listing(fresh, "ip", "nftsync-filter"); got != want {
					t.Errorf("after the replacement:\n%.2000s\nwant (fresh install):\n%.2000s", got, want)
				}
				after := ruleHandles(t, ns, "ip", "nftsync-filter", "BIG")
				// The handles learnt for the next change from memory are
				// the kernel's.
				var kernel []string
				for _, h := range after {
					kernel = append(kernel, strings.Fields(h)[0])
				}
				if got := modelHandles(t, b, rule.IPv4, "filter", "BIG"); strings.Join(got, " ") != strings.Join(kernel, " ") {
					t.Errorf("handles in memory differ from the kernel's")
				}
				kept := map[string]bool{}
				for _, h := range before {
					kept[h] = true
				}
				same := 0
				for _, h := range after {
					if kept[h] {
						same++
					}
				}
				if tc.wantFlush && same != 0 {
					t.Errorf("%d rules kept their handle through a flush", same)
				}
				if !tc.wantFlush && same != n-2 {
					t.Errorf("%d rules kept their handle, want %d", same, n-2)
				}
				checkNoop(t, b, to)
			})
		}
	}
}

// checkNoop checks that applying rs again changes nothing, from memory and
// from a dump.
func checkNoop(t *testing.T, b *Backend, rs *firewall.Ruleset) {
	t.Helper()
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %d changes", len(p.Changes))
	}
	b.forget()
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("apply after a dump: %d changes", len(p.Changes))
	}
}

// TestFlushCheaper checks the cost model's choices.
func TestFlushCheaper(t *testing.T) {
	seq := func(from, to int) []int {
		var s []int
		for i := from; i < to; i++ {
			s = append(s, i)
		}
		return s
	}
	cases := []struct {
		name              string
		n                 int
		deleted, inserted []int
		kept              int
		want              bool
	}{
		{"nothing deleted", 100, nil, nil, 100, false},
		{"all of a long chain", 20000, seq(0, 20000), nil, 0, true},
		{"all of a two-rule chain", 2, seq(0, 2), nil, 0, false},
		{"head of a long chain", 20000, seq(0, 10), nil, 19990, false},
		{"tail of a long chain, most kept", 20000, seq(19900, 20000), nil, 19900, false},
		{"a few inserts deep in a long chain", 20000, nil, seq(19000, 19100), 20000, false},
		{"many inserts deep in a long chain", 20000, nil, seq(10000, 20000), 20000, true},
		{"most of a long chain, a few kept", 20000, seq(100, 20000), nil, 100, true},
	}
	for _, c := range cases {
		if got := flushCheaper(c.n, c.deleted, c.inserted, c.kept); got != c.want {
			t.Errorf("%s: flushCheaper = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestFlushPathWithSets forces the flush path for every chain that
// changes, with rules that have anonymous sets (kept ones are added again
// with new sets), and checks the end state, the handles learnt and that
// nothing changes afterwards.
func TestFlushPathWithSets(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	defer func(v int) { addSteps = v }(addSteps)
	addSteps = -1 << 20 // any deletion or insertion flushes
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	apply(t, b, incrementalRuleset(t))
	next := incrementalRuleset(t, `-p udp -m multiport --dports 1000,2000 -j DROP`)
	next.Chains[1].Rules = append(next.Chains[1].Rules[:1:1], next.Chains[1].Rules[2:]...)
	d, err := compile(b.owner, next, b.cache)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := makePlan(d, b.model)
	if err != nil {
		t.Fatal(err)
	}
	if flush, byHandle := flushes(pl.batch); flush != 1 || byHandle != 0 {
		t.Fatalf("plan has %d flushes and %d deletions by handle, want 1 flush", flush, byHandle)
	}
	apply(t, b, next)
	checkModel(t, b, ns, "after a flush")
	for _, tb := range [][2]string{{"ip", "nftsync-filter"}, {"ip", "nftsync-nat"}, {"ip6", "nftsync-filter"}} {
		if got, want := sortedListing(ns, tb[0], tb[1]), sortedListingOf(t, next, tb[0], tb[1]); got != want {
			t.Errorf("%s %s:\n%s\nwant:\n%s", tb[0], tb[1], got, want)
		}
	}
	checkNoop(t, b, next)
}
