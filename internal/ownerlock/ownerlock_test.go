package ownerlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

func openNS(t *testing.T) int {
	t.Helper()
	ns := netnstest.New(t)
	fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	a, b := openNS(t), openNS(t)
	l1, err := Acquire(ctx, a, "nftsync-test/x", false)
	if err != nil {
		t.Fatal(err)
	}
	// Same name, same namespace: held, and the error names this process.
	_, err = Acquire(ctx, a, "nftsync-test/x", false)
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second Acquire: %v, want ErrHeld naming pid %d", err, os.Getpid())
	}
	// Another name, or another namespace: free.
	for _, c := range []struct {
		ns   int
		name string
	}{{a, "nftsync-test/y"}, {b, "nftsync-test/x"}} {
		l, err := Acquire(ctx, c.ns, c.name, false)
		if err != nil {
			t.Fatalf("Acquire %s: %v", c.name, err)
		}
		defer l.Release()
	}
	// A waiter gets the lock once it is released, not before.
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(ctx, a, "nftsync-test/x", true)
		if err == nil {
			// Released before the send: the test takes the lock again
			// as soon as it hears from the waiter.
			err = l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("waiter returned %v while the lock was held", err)
	case <-time.After(3 * pollInterval):
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	// A waiter whose context ends gives up with the context's error.
	l2, err := Acquire(ctx, a, "nftsync-test/x", false)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release()
	cctx, cancel := context.WithTimeout(ctx, 2*pollInterval)
	defer cancel()
	if _, err := Acquire(cctx, a, "nftsync-test/x", true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter with a deadline: %v", err)
	}
}
