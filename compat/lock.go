package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// One writer per owner and network namespace. Two processes changing the
// same owner's rules at once each undo the other's changes, and a rule one
// of them writes between the other's iptables-save and its ownership
// record is written twice or owned by no one. So a Backend takes an
// exclusive flock(2) on OWNER-iptables-netINODE.lock in the state directory
// before its first change (Apply or CleanUp) and keeps it until Close: a
// controller keeps its rules to itself for as long as it runs, and a
// second one fails at once (or, with WithWait, waits for the first to end).
// Readers (Plan, Read) take no lock. The lock file holds the holder's pid
// for the error message. Close removes it once nothing is owned (no
// record), still holding the lock; a locker therefore checks, once it has
// the lock, that the file it locked is still the one at the path, and
// starts again otherwise. The kernel drops the lock when the holder dies,
// even by kill -9.

// ErrLocked is what Apply and CleanUp return (wrapped) when another process
// is changing the same owner's rules in the same network namespace and the
// backend does not wait (see WithWait).
var ErrLocked = errors.New("another process is changing this owner's iptables rules in this network namespace")

// lockPoll is how often a waiting backend tries the lock again.
const lockPoll = 50 * time.Millisecond

// lockPath is the owner's lock file.
func (b *Backend) lockPath() string {
	return filepath.Join(b.cfg.stateDir, fmt.Sprintf("%s-iptables-net%d.lock", b.cfg.owner, b.ns.Inode))
}

// lock takes the writer lock unless the backend holds it already; it is a
// no-op without a state directory. It fails with ErrLocked when someone
// else holds it, or waits until ctx ends with WithWait.
func (b *Backend) lock(ctx context.Context) error {
	if b.cfg.stateDir == "" || b.lockFile != nil {
		return nil
	}
	waited := false
	var f *os.File
	for {
		var err error
		if f == nil {
			if f, err = b.openLock(); err != nil {
				return err
			}
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			if current(f) {
				break
			}
			f.Close() // removed by the holder we waited for: again
			f = nil
			continue
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		holder := lockHolder(f)
		if !b.cfg.wait {
			f.Close()
			return fmt.Errorf("owner %q: %w (%s holds %s); stop it, or wait for it with --wait (WithWait)",
				b.cfg.owner, ErrLocked, holder, f.Name())
		}
		if !waited {
			b.cfg.log.Info("waiting for another process changing this owner's iptables rules", "holder", holder, "lock", f.Name())
			waited = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return fmt.Errorf("owner %q: waiting for %s to release %s: %w", b.cfg.owner, holder, f.Name(), ctx.Err())
		case <-time.After(lockPoll):
		}
	}
	// Our pid, for the message of the next process that finds it taken.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	b.lockFile, b.run.hold = f, f
	return nil
}

// tryLock takes the writer lock when it is free, without waiting, and
// reports whether the backend holds it.
func (b *Backend) tryLock() bool {
	if b.cfg.stateDir == "" || b.lockFile != nil {
		return b.lockFile != nil
	}
	f, err := b.openLock()
	if err != nil {
		return false
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil || !current(f) {
		f.Close()
		return false
	}
	b.lockFile, b.run.hold = f, f
	return true
}

// unlock releases the writer lock, removing its file when the owner has no
// record left (nothing owned, nothing pending).
func (b *Backend) unlock() {
	if b.lockFile != nil {
		if _, err := os.Stat(b.statePath()); errors.Is(err, os.ErrNotExist) {
			_ = os.Remove(b.lockPath())
		}
		b.lockFile.Close() // closing the last descriptor drops the flock
		b.lockFile, b.run.hold = nil, nil
	}
}

// openLock opens (creating) the lock file.
func (b *Backend) openLock() (*os.File, error) {
	if err := os.MkdirAll(b.cfg.stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	f, err := os.OpenFile(b.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file: %w", err)
	}
	return f, nil
}

// lockHolder names the process that holds the lock, as far as its file
// tells.
func lockHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return "another process"
	}
	if errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
		// Killed while a program it started runs on with the lock.
		return fmt.Sprintf("an iptables program started by pid %d, which has ended,", pid)
	}
	return fmt.Sprintf("pid %d", pid)
}

// current reports whether f is still the file at its path (not removed by
// a holder that let go of it).
func current(f *os.File) bool {
	var fst, st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &fst) != nil || unix.Stat(f.Name(), &st) != nil {
		return false
	}
	return fst.Ino == st.Ino && fst.Dev == st.Dev
}
