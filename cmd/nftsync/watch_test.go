package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// syncBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watcher is a running `nftsync watch`.
type watcher struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, once done is closed
}

func startWatch(t *testing.T, ns *netnstest.NS, args ...string) *watcher {
	t.Helper()
	argv := append([]string{"watch", "--netns", ns.Name, "--owner", "test", "--log-format", "json"}, args...)
	w := &watcher{cmd: exec.Command(nftsyncBin(t), argv...), stderr: &syncBuffer{}, done: make(chan struct{})}
	w.cmd.Stdout, w.cmd.Stderr = io.Discard, w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w.err = w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// logged returns the first JSON log record with the message, or nil.
func (w *watcher) logged(msg string) map[string]any {
	for _, line := range strings.Split(w.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

func (w *watcher) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
		if ee, ok := w.err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if w.err != nil {
			t.Fatal(w.err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatalf("watch did not exit; stderr:\n%s", w.stderr)
		return -1
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var handleRE = regexp.MustCompile(`# handle (\d+)`)

// TestWatch runs watch in a namespace: it repairs drift made with nft,
// reloads the file on SIGHUP, serves metrics and health, and removes the
// rules on SIGTERM with --cleanup-on-exit.
func TestWatch(t *testing.T) {
	ns := netnstest.New(t)
	rules := writeFile(t, "rules.v4", readFile(t, kiloV4))
	w := startWatch(t, ns, "-4", rules, "--interval", "100ms", "--metrics-addr", "127.0.0.1:0", "--cleanup-on-exit")
	var addr string
	eventually(t, "watch serves metrics", func() bool {
		if rec := w.logged("serving metrics"); rec != nil {
			addr, _ = rec["addr"].(string)
		}
		return addr != ""
	})
	if code, body := httpGet(t, "http://"+addr+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q; stderr:\n%s", code, body, w.stderr)
	}
	want := mustRun(t, 0, ns, "", "list").stdout

	// Drift: delete one rule, add a foreign one to an owned chain.
	var handle string
	for _, line := range strings.Split(ns.Exec("nft", "-a", "list", "chain", "ip", "test-nat", "KILO-NAT"), "\n") {
		if strings.Contains(line, "10.4.0.1") {
			if m := handleRE.FindStringSubmatch(line); m != nil {
				handle = m[1]
			}
		}
	}
	if handle == "" {
		t.Fatal("no handle for the 10.4.0.1 rule in KILO-NAT")
	}
	ns.Exec("nft", "delete", "rule", "ip", "test-nat", "KILO-NAT", "handle", handle)
	ns.Exec("nft", "insert", "rule", "ip", "test-nat", "KILO-NAT", "ip", "daddr", "203.0.113.7", "accept")
	// No check that list shows the drift: with a 100ms interval, watch may
	// repair it first. The drift counter below proves a repair happened.
	eventually(t, "watch repairs the drift", func() bool {
		return nftsync(t, ns, "", "list").stdout == want
	})
	if got := ns.Exec("nft", "list", "table", "ip", "test-nat"); strings.Contains(got, "203.0.113.7") {
		t.Errorf("foreign rule survived:\n%s", got)
	}
	code, metrics := httpGet(t, "http://"+addr+"/metrics")
	for _, m := range []string{"nftsync_reconcile_duration_seconds_count{op=\"reconcile\"}", "nftsync_last_reconcile_failed 0", "go_goroutines"} {
		if code != 200 || !strings.Contains(metrics, m) {
			t.Errorf("/metrics (%d) lacks %q", code, m)
		}
	}
	if m := regexp.MustCompile(`(?m)^nftsync_drift_repairs_total (\S+)$`).FindStringSubmatch(metrics); m == nil || m[1] == "0" {
		t.Errorf("/metrics shows no drift repair: %v", m)
	}

	// SIGHUP reloads the file; a bad file keeps the previous rules.
	if err := os.WriteFile(rules, []byte(readFile(t, kiloV4)+"*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -s 198.51.100.0/24 -j DROP\nCOMMIT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reloaded rule is in place", func() bool {
		return strings.Contains(nftsync(t, ns, "", "list").stdout, "-A PREROUTING -s 198.51.100.0/24 -j DROP")
	})
	if err := os.WriteFile(rules, []byte("*raw\n-A PREROUTING -j NOWHERE\nCOMMIT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bad reload is logged", func() bool { return w.logged("reload failed, keeping the previous rules") != nil })
	if got := mustRun(t, 0, ns, "", "list").stdout; !strings.Contains(got, "198.51.100.0/24") || !strings.Contains(got, "MASQUERADE") {
		t.Errorf("a bad reload changed the rules:\n%s", got)
	}

	// SIGTERM with --cleanup-on-exit: exit 0, owned tables gone.
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := w.wait(t); code != 0 {
		t.Fatalf("watch exited %d after SIGTERM; stderr:\n%s", code, w.stderr)
	}
	if got := ns.Exec("nft", "list", "tables"); strings.Contains(got, "test-") {
		t.Errorf("owned tables left after --cleanup-on-exit:\n%s", got)
	}
}

// TestWatchKeepsRulesOnExit checks that without --cleanup-on-exit SIGINT
// stops watch and leaves the rules in place.
func TestWatchKeepsRulesOnExit(t *testing.T) {
	ns := netnstest.New(t)
	w := startWatch(t, ns, "-4", kiloV4, "--interval", "1h")
	eventually(t, "rules applied", func() bool { return w.logged("rules applied") != nil })
	if err := w.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := w.wait(t); code != 0 {
		t.Fatalf("watch exited %d after SIGINT; stderr:\n%s", code, w.stderr)
	}
	if got := mustRun(t, 0, ns, "", "list").stdout; !strings.Contains(got, "-j MASQUERADE") {
		t.Errorf("rules gone after SIGINT without --cleanup-on-exit:\n%s", got)
	}
	if r := runBin(t, "", nil, "watch", "--netns", ns.Name, "-4", "-"); r.code != 1 || !strings.Contains(r.stderr, "cannot read rules from stdin") {
		t.Errorf("watch with stdin: %s", r)
	}
}
