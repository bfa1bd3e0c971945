package compat

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// modes are the iptables flavours every kernel test runs against.
var modes = []string{ModeNFT, ModeLegacy}

// forModes runs a kernel test once per mode, each in a fresh namespace.
func forModes(t *testing.T, fn func(t *testing.T, ns *netnstest.NS, mode string)) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ns := netnstest.New(t)
			netnstest.RequireBinary(t, "iptables-"+mode+"-restore")
			fn(t, ns, mode)
		})
	}
}

// stateDirs holds one temporary state directory per test namespace, so that
// every Backend of a test shares its ownership records (as processes on one
// host share /run/nftsync) and no test writes to /run.
var stateDirs sync.Map // *netnstest.NS → string

// stateDir returns the namespace's state directory.
func stateDir(t testing.TB, ns *netnstest.NS) string {
	if d, ok := stateDirs.Load(ns); ok {
		return d.(string)
	}
	d, _ := stateDirs.LoadOrStore(ns, t.TempDir())
	return d.(string)
}

// newBackend makes a Backend working in ns with the iptables-MODE binaries,
// owner "test" and the namespace's state directory; opts come last and can
// change any of those.
func newBackend(t *testing.T, ns *netnstest.NS, mode string, opts ...Option) *Backend {
	t.Helper()
	opts = append([]Option{WithMode(mode), WithNetNS(ns.Name), WithOwner("test"), WithStateDir(stateDir(t, ns)),
		WithLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	b, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// spec parses a rule, skipping the test when package rule does not know an
// extension yet (other extensions arrive over time).
func spec(t *testing.T, fam rule.Family, s string) *rule.Rule {
	t.Helper()
	r, err := rule.ParseString(fam, s)
	if err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
	return r
}

// parses reports whether package rule can parse s yet.
func parses(fam rule.Family, s string) bool {
	_, err := rule.ParseString(fam, s)
	return err == nil
}

// chain builds a desired chain from rule texts.
func chain(t *testing.T, fam rule.Family, table, name string, rules ...string) *firewall.Chain {
	t.Helper()
	c := &firewall.Chain{Family: fam, Table: table, Name: name}
	for _, r := range rules {
		c.Rules = append(c.Rules, firewall.Rule{Spec: spec(t, fam, r)})
	}
	return c
}

// prepended marks all of a chain's rules as prepended (Head), as iptables
// -I 1 in reverse order would leave them: at the top, ahead of foreign
// rules.
func prepended(c *firewall.Chain) *firewall.Chain {
	c.Head = len(c.Rules)
	return c
}

// saved returns the rules of one chain as iptables-MODE-save prints them.
func saved(t *testing.T, ns *netnstest.NS, mode string, fam rule.Family, table, chain string) []string {
	t.Helper()
	bin := "iptables-" + mode + "-save"
	if fam == rule.IPv6 {
		bin = "ip6tables-" + mode + "-save"
	}
	var out []string
	for _, line := range strings.Split(ns.Exec(bin, "-t", table), "\n") {
		if rest, ok := strings.CutPrefix(line, "-A "+chain+" "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// policy returns a built-in chain's policy as iptables-MODE-save prints it.
func policy(t *testing.T, ns *netnstest.NS, mode, table, chain string) string {
	t.Helper()
	for _, line := range strings.Split(ns.Exec("iptables-"+mode+"-save", "-t", table), "\n") {
		if rest, ok := strings.CutPrefix(line, ":"+chain+" "); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("chain %s %s not in iptables-%s-save output", table, chain, mode)
	return ""
}

// ipt runs iptables-MODE (or ip6tables-MODE) in the namespace.
func ipt(t *testing.T, ns *netnstest.NS, mode string, fam rule.Family, args ...string) {
	t.Helper()
	bin := "iptables-" + mode
	if fam == rule.IPv6 {
		bin = "ip6tables-" + mode
	}
	ns.Exec(bin, args...)
}

// keys maps saved rule texts to rule keys, so that tests compare meaning.
func keys(t *testing.T, fam rule.Family, texts []string) []string {
	t.Helper()
	out := make([]string, len(texts))
	for i, s := range texts {
		out[i] = spec(t, fam, s).Key()
	}
	return out
}

func chainKeys(c *firewall.Chain) []string {
	var out []string
	for _, r := range c.Rules {
		out = append(out, r.Spec.Key())
	}
	return out
}

// apply applies rs and then lets the writer lock go (Close), as a process
// that ends after its apply would: tests stand for several processes of
// one owner with several Backends, one after the other. A later change by
// b takes the lock again.
func apply(t *testing.T, b *Backend, rs *firewall.Ruleset) *firewall.Plan {
	t.Helper()
	p, err := b.Apply(context.Background(), rs)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	_ = b.Close()
	return p
}

func mustEmptyPlan(t *testing.T, b *Backend, rs *firewall.Ruleset) {
	t.Helper()
	p, err := b.Plan(context.Background(), rs)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if !p.Empty() {
		t.Fatalf("Plan after Apply is not empty:\n%s", p)
	}
}

// wrapDir writes wrapper scripts for the mode's binaries into a temporary
// directory; each appends its name and arguments to the returned log file
// and execs the real binary.
func wrapDir(t *testing.T, mode string) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "exec.log")
	for _, base := range []string{"iptables", "ip6tables"} {
		for _, suffix := range []string{"", "-save", "-restore"} {
			name := base + "-" + mode + suffix
			real := netnstest.RequireBinary(t, name)
			script := "#!/bin/sh\necho \"" + name + " $*\" >> " + log + "\nexec " + real + " \"$@\"\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir, log
}

// execLog returns the commands logged by the wrappers so far.
func execLog(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
