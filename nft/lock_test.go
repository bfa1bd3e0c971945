package nft

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestOneWriterPerOwner checks that a second Backend of the same owner in
// the same network namespace cannot write while the first holds the
// owner (a clear error, or a wait with WithLockWait), and that other
// owners and other namespaces are not held up.
func TestOneWriterPerOwner(t *testing.T) {
	ctx := context.Background()
	ns, other := netnstest.New(t), netnstest.New(t)
	rs := kiloRuleset(t)
	first, _ := newBackend(t, ns, WithOwner("kilo"))
	apply(t, first, rs)

	second, _ := newBackend(t, ns, WithOwner("kilo"))
	if _, err := second.Read(ctx); err != nil {
		t.Errorf("Read while another writer holds the owner: %v", err)
	}
	before := ns.Exec("nft", "list", "ruleset")
	_, err := second.Apply(ctx, largeRuleset(t, 3))
	if !errors.Is(err, ErrOwnerBusy) || !strings.Contains(err.Error(), `owner "kilo"`) || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second writer's Apply: %v, want ErrOwnerBusy naming the owner and the holder", err)
	}
	t.Logf("error: %v", err)
	if err := second.CleanUp(ctx); !errors.Is(err, ErrOwnerBusy) {
		t.Errorf("second writer's CleanUp: %v, want ErrOwnerBusy", err)
	}
	if after := ns.Exec("nft", "list", "ruleset"); after != before {
		t.Errorf("the refused writer changed the ruleset:\n%s", after)
	}
	// Another owner in the same namespace, the same owner in another one.
	apply(t, must(t, ns, WithOwner("other")), rs)
	apply(t, must(t, other, WithOwner("kilo")), rs)

	// A waiting writer gets the owner once the first one closes.
	waiter, _ := newBackend(t, ns, WithOwner("kilo"), WithLockWait(true))
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Apply(ctx, largeRuleset(t, 3))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("waiting writer returned %v while the owner was held", err)
	case <-time.After(300 * time.Millisecond):
	}
	first.Close()
	if err := <-done; err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
	if !strings.Contains(ns.Exec("nft", "list", "table", "ip", "kilo-filter"), "chain BIG") {
		t.Error("the waiting writer's state is not in the kernel")
	}
	// A waiter gives up when its context ends.
	late, _ := newBackend(t, ns, WithOwner("kilo"), WithLockWait(true))
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := late.Apply(cctx, rs); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting writer with a deadline: %v", err)
	}
}

func must(t *testing.T, ns *netnstest.NS, opts ...Option) *Backend {
	b, _ := newBackend(t, ns, opts...)
	return b
}

// TestLockNameLength checks that every valid owner makes a lock name an
// abstract socket address can hold, distinct per owner.
func TestLockNameLength(t *testing.T) {
	long := strings.Repeat("o", 200)
	names := map[string]bool{}
	for _, owner := range []string{"kilo", strings.Repeat("k", 64), long, long[:199] + "p"} {
		n := lockName(owner)
		if len(n) > 100 || names[n] {
			t.Errorf("lock name %q of owner %.20q...: too long or not distinct", n, owner)
		}
		names[n] = true
	}
}
