package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// configMap is a directory laid out as the kubelet mounts a ConfigMap:
// dir/..TIMESTAMP/FILE holds the data, dir/..data links to the current
// ..TIMESTAMP, and dir/FILE links to ..data/FILE.
type configMap struct {
	t       *testing.T
	dir     string
	version int
}

func newConfigMap(t *testing.T, file, content string) *configMap {
	m := &configMap{t: t, dir: t.TempDir()}
	m.update(file, content)
	if err := os.Symlink(filepath.Join("..data", file), filepath.Join(m.dir, file)); err != nil {
		t.Fatal(err)
	}
	return m
}

// update does what the kubelet does on a change: a new data directory, a
// new ..data_tmp link to it renamed over ..data, the old directory removed.
func (m *configMap) update(file, content string) {
	m.t.Helper()
	old, _ := os.Readlink(filepath.Join(m.dir, "..data"))
	m.version++
	data := "..2026_01_02_03_04_05." + strings.Repeat("0", m.version)
	if err := os.Mkdir(filepath.Join(m.dir, data), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.dir, data, file), []byte(content), 0o644); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Symlink(data, filepath.Join(m.dir, "..data_tmp")); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(m.dir, "..data_tmp"), filepath.Join(m.dir, "..data")); err != nil {
		m.t.Fatal(err)
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(m.dir, old)); err != nil {
			m.t.Fatal(err)
		}
	}
}

// logCount counts the JSON log records with the message.
func (w *watcher) logCount(msg string) int {
	return strings.Count(w.stderr.String(), `"msg":"`+msg+`"`)
}

// within polls cond every 10ms until it holds or d has passed.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
}

// TestWatchFollowsConfigMap gives watch its rules through a Kubernetes
// ConfigMap layout: a flushed chain is repaired at once (ruleset
// notifications in the --netns namespace), and when the ..data link is
// swapped, the new rules are applied
// without a signal (and with an hour-long --interval), within the 2s that
// issue 10 asks for; a bad update is logged and the previous rules stay;
// SIGHUP still reloads.
func TestWatchFollowsConfigMap(t *testing.T) {
	ns := netnstest.New(t)
	kilo := readFile(t, kiloV4)
	cm := newConfigMap(t, "rules.v4", kilo)
	w := startWatch(t, ns, "-4", filepath.Join(cm.dir, "rules.v4"), "--interval", "1h")
	eventually(t, "rules applied", func() bool { return w.logged("rules applied") != nil })

	// With an hour between reconciles, only the ruleset notifications
	// can repair this in time.
	want := nftsync(t, ns, "", "list").stdout
	ns.Exec("nft", "flush", "chain", "ip", "test-nat", "KILO-NAT")
	within(t, 2*time.Second, "the flushed chain is repaired", func() bool { return nftsync(t, ns, "", "list").stdout == want })

	extra := "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -s 198.51.100.0/24 -j DROP\nCOMMIT\n"
	cm.update("rules.v4", kilo+extra)
	within(t, 2*time.Second, "the swapped ConfigMap is applied", func() bool {
		return strings.Contains(nftsync(t, ns, "", "list").stdout, "-A PREROUTING -s 198.51.100.0/24 -j DROP")
	})

	cm.update("rules.v4", "*raw\n-A PREROUTING -j NOWHERE\nCOMMIT\n")
	eventually(t, "the bad update is logged", func() bool { return w.logCount("reload failed, keeping the previous rules") == 1 })
	if got := mustRun(t, 0, ns, "", "list").stdout; !strings.Contains(got, "198.51.100.0/24") || !strings.Contains(got, "MASQUERADE") {
		t.Errorf("a bad update changed the rules:\n%s", got)
	}
	// SIGHUP reads the files again whether or not they changed.
	if err := w.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "SIGHUP reloads", func() bool { return w.logCount("reload failed, keeping the previous rules") == 2 })

	cm.update("rules.v4", kilo)
	eventually(t, "the fixed ConfigMap is applied", func() bool {
		return !strings.Contains(nftsync(t, ns, "", "list").stdout, "198.51.100.0/24")
	})
	if n := w.logCount("rules reloaded"); n != 2 {
		t.Errorf("%d reloads logged, want 2 (one per good update):\n%s", n, w.stderr)
	}
}

// TestFileWatcher follows a ConfigMap through two updates in-process: each
// is signalled once the directory settles, the fingerprint changes, and
// the previous data directory is no longer watched.
func TestFileWatcher(t *testing.T) {
	cm := newConfigMap(t, "rules.v4", "one")
	path := filepath.Join(cm.dir, "rules.v4")
	w, err := newFileWatcher(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before := fingerprint(path, "")
	for _, content := range []string{"two", "three"} {
		cm.update("rules.v4", content)
		select {
		case <-w.C:
		case <-time.After(10 * time.Second):
			t.Fatalf("no signal after the update to %q", content)
		}
		now := fingerprint(path, "")
		if now == before {
			t.Fatalf("fingerprint unchanged after the update to %q", content)
		}
		before = now
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	data, _ := os.Readlink(filepath.Join(cm.dir, "..data"))
	want := map[string]bool{cm.dir: true, filepath.Join(cm.dir, data): true}
	if len(w.dirs) != len(want) {
		t.Errorf("watching %v, want %v", w.dirs, want)
	}
	for dir := range w.dirs {
		if !want[dir] {
			t.Errorf("still watching %s", dir)
		}
	}
}
