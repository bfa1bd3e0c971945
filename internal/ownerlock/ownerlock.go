// Package ownerlock makes sure that one process at a time writes the
// firewall of one owner in one network namespace.
//
// The lock is an abstract unix socket (a name without a file) bound inside
// the network namespace: abstract socket names are per network namespace,
// so the same owner in two namespaces takes two locks, and the socket dies
// with the process that holds it, so a crash (kill -9 included) leaves
// nothing behind to clean up. The holder listens on it, so a contender can
// learn the holder's process id from the socket's peer credentials and
// name it in its error.
package ownerlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrHeld says another process (or another Lock in this one) holds the
// lock; the error wrapping it names the holder's process when it can.
var ErrHeld = errors.New("held by another writer")

// Lock is a held lock; Release (or the end of the process) frees it.
type Lock struct{ fd int }

// pollInterval is how often Acquire tries again when it waits.
const pollInterval = 100 * time.Millisecond

// Acquire takes the lock called name in the network namespace nsfd (-1:
// the process's own). When it is held, Acquire returns an error wrapping
// ErrHeld and naming the holder, or, when wait is true, tries again until
// it gets it or ctx ends.
func Acquire(ctx context.Context, nsfd int, name string, wait bool) (*Lock, error) {
	if name == "" || strings.ContainsRune(name, 0) || len(name) > 100 {
		return nil, fmt.Errorf("invalid lock name %q", name)
	}
	for {
		fd, err := bindIn(nsfd, name)
		if err == nil {
			return &Lock{fd: fd}, nil
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			return nil, fmt.Errorf("taking the lock %q: %w", name, err)
		}
		if !wait {
			return nil, fmt.Errorf("%w%s", ErrHeld, holder(nsfd, name))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w%s, and waiting for it ended: %w", ErrHeld, holder(nsfd, name), ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// Release frees the lock.
func (l *Lock) Release() error {
	if l == nil || l.fd < 0 {
		return nil
	}
	err := unix.Close(l.fd)
	l.fd = -1
	return err
}

// inNS runs fn on a thread in the network namespace nsfd (-1: as is). The
// thread is never used again: it ends with its goroutine.
func inNS(nsfd int, fn func() error) error {
	if nsfd < 0 {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread is in another namespace now and
		// is discarded when the goroutine ends.
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("entering the network namespace: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// addr is the abstract address of a lock.
func addr(name string) *unix.SockaddrUnix { return &unix.SockaddrUnix{Name: "@" + name} }

// bindIn binds and listens on the lock's address in the namespace.
func bindIn(nsfd int, name string) (int, error) {
	fd := -1
	err := inNS(nsfd, func() error {
		s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.Bind(s, addr(name)); err != nil {
			unix.Close(s)
			return err
		}
		if err := unix.Listen(s, 1); err != nil {
			unix.Close(s)
			return err
		}
		fd = s
		return nil
	})
	return fd, err
}

// holder describes the process holding the lock, e.g. " (pid 42,
// nftsync)", or "" when it cannot be learnt.
func holder(nsfd int, name string) string {
	var cred *unix.Ucred
	_ = inNS(nsfd, func() error {
		s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		if err := unix.Connect(s, addr(name)); err != nil {
			return err
		}
		cred, err = unix.GetsockoptUcred(s, unix.SOL_SOCKET, unix.SO_PEERCRED)
		return err
	})
	if cred == nil || cred.Pid == 0 {
		return ""
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cred.Pid)); err == nil {
		return fmt.Sprintf(" (pid %d, %s)", cred.Pid, strings.TrimSpace(string(comm)))
	}
	return fmt.Sprintf(" (pid %d)", cred.Pid)
}
