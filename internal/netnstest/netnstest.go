// Package netnstest gives tests a fresh, named network namespace of their
// own, so that nothing a test does reaches the host's ruleset.
package netnstest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// RequireEnv is the environment variable that turns skips into failures:
// .ci/run sets it so that root-only tests cannot silently skip there.
const RequireEnv = "NFTSYNC_REQUIRE_ROOT"

// RequireRoot skips the test when not running as root, or fails it when
// RequireEnv is set.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("test needs root, and %s is set", RequireEnv)
	}
	t.Skip("test needs root (network namespaces, netlink)")
}

// RequireBinary skips (or, under RequireEnv, fails) when a binary used as an
// oracle is not installed.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("test needs %s, and %s is set", name, RequireEnv)
	}
	t.Skipf("test needs %s", name)
	return ""
}

// NS is a named network namespace that lives for one test.
type NS struct {
	Name string
	// Path is /run/netns/NAME, for nftables.WithNetNSFd and friends.
	Path string
	t    testing.TB
}

// New creates a fresh named namespace and removes it when the test ends.
// The calling goroutine's namespace is left unchanged.
func New(t testing.TB) *NS {
	t.Helper()
	RequireRoot(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "nftsync-" + hex.EncodeToString(b)
	if err := runDirOnce(); err != nil {
		t.Fatalf("preparing /run/netns: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		// netns.NewNamed switches the calling thread; do it on a thread
		// that is thrown away afterwards.
		runtime.LockOSThread()
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		errc <- err
		// Not unlocking: the thread dies with the goroutine, so no other
		// goroutine ever runs in the new namespace by accident.
	}()
	if err := <-errc; err != nil {
		t.Fatalf("creating network namespace %s: %v", name, err)
	}
	ns := &NS{Name: name, Path: "/run/netns/" + name, t: t}
	t.Cleanup(func() {
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("deleting network namespace %s: %v", name, err)
		}
	})
	return ns
}

// Handle opens the namespace; the caller closes it.
func (n *NS) Handle() netns.NsHandle {
	n.t.Helper()
	h, err := netns.GetFromName(n.Name)
	if err != nil {
		n.t.Fatalf("opening network namespace %s: %v", n.Name, err)
	}
	return h
}

// Do runs fn on a locked OS thread inside the namespace.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.GetFromName(n.Name)
		if err != nil {
			errc <- err
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- err
			return
		}
		errc <- fn()
		// The thread stays locked and is discarded with the goroutine.
	}()
	return <-errc
}

// Exec runs a command inside the namespace (ip netns exec) and returns its
// combined output; it fails the test on error.
func (n *NS) Exec(name string, args ...string) string {
	n.t.Helper()
	out, err := n.TryExec(name, args...)
	if err != nil {
		n.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// TryExec is Exec that returns the error instead of failing.
func (n *NS) TryExec(name string, args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// NFT runs nft inside the namespace with the given script on stdin.
func (n *NS) NFT(script string) string {
	n.t.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.Name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		n.t.Fatalf("nft -f: %v\n%s\nscript:\n%s", err, out, script)
	}
	return string(out)
}

// String returns the namespace name.
func (n *NS) String() string { return fmt.Sprintf("netns %s", n.Name) }

// runDirOnce makes /run/netns a shared mount point of its own, once, as
// `ip netns add` does before it mounts a name there (netns.NewNamed does
// not). Otherwise an `ip netns add` run while our namespaces exist (make
// demo, a user's) mounts /run/netns over itself, hiding their mounts:
// they can no longer be unmounted through their paths, and their removal
// fails with EBUSY.
var runDirOnce = sync.OnceValue(func() error {
	const dir = "/run/netns"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) {
		// Not a mount point yet.
		if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind-mounting %s on itself: %w", dir, err)
		}
		err = unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("making %s a shared mount: %w", dir, err)
	}
	return nil
})
