package compat

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/firewall"
)

// runner spawns the iptables binaries, inside a named network namespace when
// one is configured, and counts every process it starts.
type runner struct {
	netns string // "" = the caller's namespace; a name or a path
	obs   firewall.Observer
	log   *slog.Logger
	// hold is the writer lock's file while the backend holds it. Every
	// process started inherits it, so that the lock lasts as long as an
	// iptables-restore that outlives a killed nftsync: the next writer
	// cannot read the tables (and resolve the journal) while a change may
	// still land.
	hold *os.File
}

// nsPath returns the namespace file for the configured name or path.
func nsPath(name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return "/run/netns/" + name
}

// do runs fn on a locked OS thread that has joined the namespace, or
// directly when no namespace is configured. A process started by fn
// inherits the thread's namespace. The thread is never unlocked: it dies
// with its goroutine, so no other goroutine can run in the namespace by
// accident (the Go runtime creates new threads from a clean template
// thread while a locked one is in use).
func (r *runner) do(fn func() error) error {
	if r.netns == "" {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.GetFromPath(nsPath(r.netns))
		if err != nil {
			errc <- fmt.Errorf("opening network namespace %s: %w", r.netns, err)
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- fmt.Errorf("entering network namespace %s: %w", r.netns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// execError is a failed process with what it printed on stderr.
type execError struct {
	cmd    string
	err    error
	stderr string
}

func (e *execError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		return fmt.Sprintf("%s: %v", e.cmd, e.err)
	}
	return fmt.Sprintf("%s: %v: %s", e.cmd, e.err, msg)
}

// Unwrap returns the process's error and, when the program said it lacks
// the privileges ("Permission denied (you must be root)"), unix.EPERM, so
// that callers can tell a refusal for lack of CAP_NET_ADMIN (errors.Is
// os.ErrPermission) from any other failure.
func (e *execError) Unwrap() []error {
	if strings.Contains(e.stderr, "(you must be root)") {
		return []error{e.err, unix.EPERM}
	}
	return []error{e.err}
}

// run starts path with args (and stdin, if not nil) in the configured
// namespace and returns its stdout.
func (r *runner) run(ctx context.Context, stdin []byte, path string, args ...string) ([]byte, error) {
	var out []byte
	err := r.do(func() error {
		var err error
		out, err = r.start(ctx, stdin, r.netns, path, args...)
		return err
	})
	return out, err
}

// start runs path with args (and stdin, if not nil) on the calling thread,
// in whatever network namespace the thread is in (where only says which,
// for the log), and returns its stdout.
func (r *runner) start(ctx context.Context, stdin []byte, where, path string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if r.hold != nil {
		cmd.ExtraFiles = []*os.File{r.hold}
	}
	observe(r.obs, "exec", 1)
	r.log.Debug("exec", "cmd", path, "args", args, "netns", where)
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &execError{cmd: path + " " + strings.Join(args, " "), err: err, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

// scratchNS names the throw-away namespace in the log.
const scratchNS = "(scratch)"

// scratch runs fn on a locked OS thread that has moved into a new, empty
// network namespace of its own; processes fn starts with start run there.
// It fails only when that namespace cannot be made (fn does not run then).
// Like do, it never unlocks the thread: the thread dies with its goroutine,
// and the namespace goes away with its last process.
func (r *runner) scratch(fn func()) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("creating a scratch network namespace: %w", err)
			return
		}
		fn()
		errc <- nil
	}()
	return <-errc
}
