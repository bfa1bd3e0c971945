package compat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// crash runs an Apply of rs by b that stops like a killed process: after
// the journal is written and, with restored, after iptables-restore
// committed, but before the record follows. The lock goes with the
// "process".
func crash(t *testing.T, b *Backend, rs *firewall.Ruleset, restored bool) {
	t.Helper()
	ctx := context.Background()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx, true); err != nil {
		t.Fatal(err)
	}
	fp, err := b.plan(ctx, rs)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.intend(fp, b.next(rs, fp, false)); err != nil {
		t.Fatal(err)
	}
	if restored {
		if _, err := b.commit(ctx, fp); err != nil {
			t.Fatal(err)
		}
	}
	b.unlock()
}

// TestJournal: a process killed on either side of iptables-restore leaves
// a journal the next process resolves: the rules it finds are owned, those
// it does not are not, and a foreign copy equal to an added rule is never
// taken for the owner's. The next Apply then neither doubles nor leaves a
// rule, and CleanUp leaves the foreign state.
func TestJournal(t *testing.T) {
	for _, restored := range []bool{false, true} {
		name := "killed before iptables-restore"
		if restored {
			name = "killed after iptables-restore"
		}
		t.Run(name, func(t *testing.T) {
			forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
				ctx := context.Background()
				// Someone else has a copy of a rule the second ruleset adds.
				ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-p", "tcp", "--dport", "443", "-j", "ACCEPT")
				before := tableText(t, ns, mode, rule.IPv4, "filter")
				first := &firewall.Ruleset{Chains: []*firewall.Chain{
					chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-j OLD`),
					chain(t, rule.IPv4, "filter", "OLD", `-j RETURN`),
				}}
				second := &firewall.Ruleset{Chains: []*firewall.Chain{
					chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 443 -j ACCEPT`, `-p tcp --dport 22 -j ACCEPT`, `-j NEW`),
					chain(t, rule.IPv4, "filter", "NEW", `-j RETURN`),
					{Family: rule.IPv4, Table: "filter", Name: "FORWARD", Policy: "DROP"},
				}}
				apply(t, newBackend(t, ns, mode), first)
				crash(t, newBackend(t, ns, mode), second, restored)

				next := newBackend(t, ns, mode)
				p, err := next.Plan(ctx, second)
				if err != nil {
					t.Fatal(err)
				}
				if restored != p.Empty() {
					t.Errorf("plan of the crashed ruleset by the next process (restored %v):\n%s", restored, p)
				}
				apply(t, next, second)
				input := saved(t, ns, mode, rule.IPv4, "filter", "INPUT")
				if want := 4; len(input) != want { // the foreign copy, 443, 22, -j NEW
					t.Errorf("INPUT after the next Apply holds %q, want %d rules", input, want)
				}
				mustEmptyPlan(t, newBackend(t, ns, mode), second)
				if err := newBackend(t, ns, mode).CleanUp(ctx); err != nil {
					t.Fatal(err)
				}
				if got := tableText(t, ns, mode, rule.IPv4, "filter"); got != before {
					t.Errorf("filter after CleanUp:\n%s\nwant the foreign state:\n%s", got, before)
				}
			})
		})
	}
}

// TestLock: a second Backend of the same owner and namespace cannot change
// anything while the first holds the lock (from its first change to
// Close): ErrLocked at once, or with WithWait until its context ends or
// the first closes. Reading needs no lock.
func TestLock(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`)}}
		first := newBackend(t, ns, mode)
		if _, err := first.Apply(ctx, rs); err != nil {
			t.Fatal(err)
		}
		second := newBackend(t, ns, mode)
		if _, err := second.Apply(ctx, rs); !errors.Is(err, ErrLocked) {
			t.Errorf("Apply while another Backend holds the lock: %v, want ErrLocked", err)
		}
		if err := second.CleanUp(ctx); !errors.Is(err, ErrLocked) {
			t.Errorf("CleanUp while another Backend holds the lock: %v, want ErrLocked", err)
		}
		mustEmptyPlan(t, second, rs)
		waiting := newBackend(t, ns, mode, WithWait(true))
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := waiting.Apply(short, rs); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting Apply whose context ends: %v, want the deadline", err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			first.Close()
		}()
		if err := waiting.CleanUp(ctx); err != nil {
			t.Errorf("waiting CleanUp once the first Backend closed: %v", err)
		}
		if got := saved(t, ns, mode, rule.IPv4, "filter", "INPUT"); len(got) != 0 {
			t.Errorf("INPUT after CleanUp: %q", got)
		}
	})
}
