package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// stressEnv turns on the long forms of the fault tests (`make stress`).
const stressEnv = "NFTSYNC_STRESS"

// stress returns quick when the long form is off, else long.
func stress(quick, long int) int {
	if os.Getenv(stressEnv) != "" {
		return long
	}
	return quick
}

// iptFault is one iptables flavour's fault-test fixture: a namespace with
// foreign rules (one equal to an owned rule) and a state directory.
type iptFault struct {
	t        *testing.T
	ns       *netnstest.NS
	mode     string
	state    string
	baseline string // the filter table before the owner's first apply
}

// shared is a rule both the foreign state and every ruleset hold.
const shared = "-A FORWARD -s 10.9.0.0/16 -j ACCEPT"

func newIPTFault(t *testing.T, mode string) *iptFault {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "iptables-"+mode+"-restore")
	f := &iptFault{t: t, ns: ns, mode: mode, state: t.TempDir()}
	ns.Exec("iptables-"+mode, strings.Fields(shared)...)
	ns.Exec("iptables-"+mode, "-A", "FORWARD", "-s", "10.8.0.0/16", "-j", "DROP")
	f.baseline = f.filter()
	return f
}

// args are the flags every run of the fixture takes.
func (f *iptFault) args(args ...string) []string {
	return append(args, "--backend", "iptables-"+f.mode, "--state-dir", f.state, "--netns", f.ns.Name, "--owner", "test",
		"--log-level", "warn")
}

// filter is the filter table as iptables-save prints it, without comments
// and counters.
func (f *iptFault) filter() string {
	var out []string
	for _, l := range strings.Split(f.ns.Exec("iptables-"+f.mode+"-save", "-t", "filter"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// ruleset writes ruleset number set: n rules, half of them in every set,
// the shared rule, and a user chain of its own.
func (f *iptFault) ruleset(set, n int) (path string, rules []string) {
	chain := fmt.Sprintf("KF-%d", set)
	rules = append(rules, shared)
	for i := range n {
		net := 100 + set // half the rules differ from set to set
		if i%2 == 0 {
			net = 99
		}
		rules = append(rules, fmt.Sprintf("-A FORWARD -s 10.%d.%d.%d/32 -j ACCEPT", net, i/250, i%250))
	}
	rules = append(rules, "-A FORWARD -j "+chain, "-A "+chain+" -j RETURN")
	text := "*filter\n:FORWARD ACCEPT [0:0]\n:" + chain + " - [0:0]\n" + strings.Join(rules, "\n") + "\nCOMMIT\n"
	return writeFile(f.t, fmt.Sprintf("set%d.v4", set), text), rules
}

// check fails unless the filter table holds the foreign rules and exactly
// one owned copy of each rule: no duplicate, no orphan (a rule or chain of
// another set).
func (f *iptFault) check(what string, rules []string) {
	f.t.Helper()
	want := map[string]int{"-A FORWARD -s 10.8.0.0/16 -j DROP": 1}
	for _, r := range rules {
		want[r]++
	}
	want[shared]++ // the foreign copy
	got := map[string]int{}
	chains := 0
	for _, l := range strings.Split(f.filter(), "\n") {
		switch {
		case strings.HasPrefix(l, "-A "):
			got[l]++
		case strings.HasPrefix(l, ":KF-"):
			chains++
		}
	}
	var bad []string
	for r, n := range got {
		if want[r] != n {
			bad = append(bad, fmt.Sprintf("%dx %s (want %d)", n, r, want[r]))
		}
	}
	for r, n := range want {
		if got[r] == 0 {
			bad = append(bad, fmt.Sprintf("0x %s (want %d)", r, n))
		}
	}
	if len(bad) > 0 || chains != 1 {
		f.t.Fatalf("%s: %d user chains (want 1), wrong rule counts:\n%s", what, chains, strings.Join(bad, "\n"))
	}
}

// pending reports whether the owner's record holds a pending change.
func (f *iptFault) pending() bool {
	files, _ := filepath.Glob(filepath.Join(f.state, "test-iptables-net*.json"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), `"pending"`) {
			return true
		}
	}
	return false
}

// TestIPTablesKill9 kills `nftsync apply --backend iptables` with SIGKILL
// at random instants, the next apply alternating between two rulesets
// that share half their rules: after every recovery apply the table holds
// exactly one owned copy of each desired rule and no rule or chain of the
// other set, diff reports nothing, and cleanup leaves the foreign state
// byte for byte. The long form (NFTSYNC_STRESS) makes 20 tries per mode.
func TestIPTablesKill9(t *testing.T) {
	for _, mode := range []string{"legacy", "nft"} {
		t.Run(mode, func(t *testing.T) {
			f := newIPTFault(t, mode)
			bin := nftsyncBin(t)
			seed := time.Now().UnixNano()
			rng := rand.New(rand.NewPCG(uint64(seed), 0))
			t.Logf("seed %d", seed)
			const n = 600
			sets := [2][]string{}
			paths := [2]string{}
			for i := range sets {
				paths[i], sets[i] = f.ruleset(i, n)
			}
			// How long an apply that switches sets takes (the fastest of
			// a few, the machine may be busy), to spread the kills over.
			full := time.Hour
			for i, set := range []int{0, 1, 0, 1, 0} {
				start := time.Now()
				if r := runBin(t, "", nil, f.args("apply", "-4", paths[set])...); r.code != 0 {
					t.Fatalf("apply: %s", r)
				}
				if i > 0 {
					full = min(full, time.Since(start))
				}
			}
			f.check("apply", sets[0])
			tries := stress(3, 20)
			var inWindow, committed, exited int
			for try := range tries {
				set := (try + 1) % 2
				cmd := exec.Command(bin, f.args("apply", "--wait", "-4", paths[set])...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				delay := time.Duration(rng.Int64N(int64(full + full/4)))
				time.Sleep(delay)
				_ = cmd.Process.Signal(syscall.SIGKILL)
				err := cmd.Wait()
				if err == nil {
					exited++
				}
				if f.pending() {
					inWindow++
					if strings.Contains(f.filter(), fmt.Sprintf(":KF-%d ", set)) {
						committed++ // the restore ran, the record did not follow
					}
				}
				// The next run completes or undoes what the killed one
				// left (waiting for an iptables-restore it left running).
				if r := runBin(t, "", nil, f.args("apply", "--wait", "-4", paths[set])...); r.code != 0 {
					t.Fatalf("try %d: apply after kill -9 at %v: %s", try, delay, r)
				}
				f.check(fmt.Sprintf("try %d (kill at %v)", try, delay), sets[set])
				if r := runBin(t, "", nil, f.args("diff", "-4", paths[set])...); r.code != 0 {
					t.Fatalf("try %d: diff after the recovery apply: %s", try, r)
				}
			}
			t.Logf("%s: %d kills (apply takes %v): %d between the journal and the record (%d of them after iptables-restore committed), %d after the process ended; 0 duplicates, 0 orphans",
				mode, tries, full, inWindow, committed, exited)
			// A last kill of an apply and one of a cleanup, then cleanup
			// alone must leave nothing behind.
			for _, args := range [][]string{{"apply", "--wait", "-4", paths[tries%2]}, {"cleanup", "--wait"}} {
				cmd := exec.Command(bin, f.args(args...)...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(rng.Int64N(int64(full))))
				_ = cmd.Process.Signal(syscall.SIGKILL)
				_ = cmd.Wait()
			}
			if r := runBin(t, "", nil, f.args("cleanup", "--wait")...); r.code != 0 {
				t.Fatalf("cleanup after a kill: %s", r)
			}
			if got := f.filter(); got != f.baseline {
				t.Fatalf("filter after cleanup:\n%s\nwant the foreign state:\n%s", got, f.baseline)
			}
		})
	}
}

// TestIPTablesSameOwnerWriters: two applies of the same owner at once, one
// with --wait, run one after the other, or the one without --wait is
// refused with the lock's sentence: the final state is exactly one of the
// two rulesets, diff agrees, and cleanup leaves the foreign state. The long
// form (NFTSYNC_STRESS) makes 10 rounds per mode.
func TestIPTablesSameOwnerWriters(t *testing.T) {
	for _, mode := range []string{"legacy", "nft"} {
		t.Run(mode, func(t *testing.T) {
			f := newIPTFault(t, mode)
			sets := [2][]string{}
			paths := [2]string{}
			for i := range sets {
				paths[i], sets[i] = f.ruleset(i, 200)
			}
			rounds, refused := stress(1, 10), 0
			for round := range rounds {
				var wg sync.WaitGroup
				res := make([]result, 2)
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						args := []string{"apply", "-4", paths[i]}
						if i == 0 {
							args = append(args, "--wait")
						}
						res[i] = runBin(t, "", nil, f.args(args...)...)
					}()
				}
				wg.Wait()
				if r := res[0]; r.code != 0 {
					t.Fatalf("round %d: writer with --wait: %s", round, r)
				}
				if r := res[1]; r.code != 0 && (r.code != 1 || !strings.Contains(r.stderr, "another process is changing")) {
					t.Fatalf("round %d: writer without --wait: want success or the lock's sentence, got %s", round, r)
				} else if r.code == 1 {
					refused++
				}
				won := -1
				for i := range paths {
					if runBin(t, "", nil, f.args("diff", "-4", paths[i])...).code == 0 {
						won = i
					}
				}
				if won < 0 {
					t.Fatalf("round %d: diff reports changes against both rulesets:\n%s", round, f.filter())
				}
				f.check(fmt.Sprintf("round %d", round), sets[won])
			}
			t.Logf("%s: %d rounds, exact final state in each; the writer without --wait was refused by the lock in %d", mode, rounds, refused)
			if r := runBin(t, "", nil, f.args("cleanup")...); r.code != 0 {
				t.Fatalf("cleanup: %s", r)
			}
			if got := f.filter(); got != f.baseline {
				t.Fatalf("filter after cleanup:\n%s\nwant the foreign state:\n%s", got, f.baseline)
			}
		})
	}
}

// TestIPTablesLocked: while another process holds the owner's lock, apply
// and cleanup fail at once with one sentence and exit 1, touching
// nothing; with --wait they go ahead once it is released. diff and list
// read without the lock.
func TestIPTablesLocked(t *testing.T) {
	f := newIPTFault(t, "legacy")
	path, rules := f.ruleset(0, 4)
	var st unix.Stat_t
	if err := unix.Stat(f.ns.Path, &st); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(f.state, fmt.Sprintf("test-iptables-net%d.lock", st.Ino)), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	_, _ = fmt.Fprintf(lock, "%d\n", os.Getpid())
	for _, args := range [][]string{{"apply", "-4", path}, {"cleanup"}} {
		r := runBin(t, "", nil, f.args(args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "another process is changing this owner's iptables rules") ||
			!strings.Contains(r.stderr, fmt.Sprintf("(pid %d holds ", os.Getpid())) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s while locked: want exit 1 and one sentence naming the holder, got %s", args[0], r)
		}
	}
	if got := f.filter(); got != f.baseline {
		t.Errorf("the tables changed while locked:\n%s", got)
	}
	if r := runBin(t, "", nil, f.args("diff", "-4", path)...); r.code != 2 {
		t.Errorf("diff while locked: want exit 2 (changes), got %s", r)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	}()
	if r := runBin(t, "", nil, f.args("apply", "--wait", "-4", path)...); r.code != 0 {
		t.Fatalf("apply --wait: %s", r)
	}
	f.check("apply --wait", rules)
}

// TestIPTablesNoCapNetAdmin: without CAP_NET_ADMIN every command of the
// iptables engine says so in one sentence and exits 1 (list and cleanup
// used to exit 0 claiming nothing was owned, apply and diff 4 in silence).
func TestIPTablesNoCapNetAdmin(t *testing.T) {
	f := newIPTFault(t, "legacy")
	path, _ := f.ruleset(0, 4)
	copies := openCopies(t, path)
	bin, rules := copies[0], copies[1]
	for _, who := range unprivileged {
		for _, args := range [][]string{{"apply", "-4", rules}, {"diff", "-4", rules}, {"list"}, {"cleanup"}} {
			args = append(args, "--backend", "iptables-legacy", "--state-dir", f.state, "--owner", "test", "--log-level", "warn")
			if r := runWithout(t, f.ns, who, bin, args...); !isNoCapSentence(r) {
				t.Errorf("%v as %v: want exit 1 and one sentence naming CAP_NET_ADMIN, got %s", args, who, r)
			}
		}
	}
	if got := f.filter(); got != f.baseline {
		t.Errorf("the tables changed without capabilities:\n%s", got)
	}
}

// fakeBin writes a script named name into dir that prints msg on stderr
// and exits with status.
func fakeBin(t *testing.T, dir, name, msg string, status int) {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\ncat >/dev/null\necho '%s' >&2\nexit %d\n", msg, status)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestIPTablesProgramFails: when iptables-save or iptables-restore fails,
// whatever its exit status (2 would read as diff's "changes", 4 used to
// become nftsync's own status in silence), nftsync prints its stderr and
// the rule of the line it names, and exits 1.
func TestIPTablesProgramFails(t *testing.T) {
	f := newIPTFault(t, "legacy")
	path, _ := f.ruleset(0, 2)
	for _, c := range []struct {
		name, bin, msg string
		status         int
		args           []string
		want           []string
	}{
		{"save fails, diff", "iptables-legacy-save", "fake save failure", 2, []string{"diff", "-4", path},
			[]string{"fake save failure", "exit status 2"}},
		{"restore fails, apply", "iptables-legacy-restore", "iptables-restore: line 3 failed", 4, []string{"apply", "-4", path},
			[]string{"line 3 failed", "exit status 4", "set0.v4:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeBin(t, dir, c.bin, c.msg, c.status)
			cmd := exec.Command(nftsyncBin(t), f.args(c.args...)...)
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
			if r.code != 1 || !strings.HasPrefix(r.stderr, "nftsync: ") {
				t.Errorf("want exit 1 and the error printed, got %s", r)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r)
				}
			}
		})
	}
	if got := f.filter(); got != f.baseline {
		t.Errorf("the tables changed:\n%s", got)
	}
}

// TestIPTablesWatchHoldsLock: a running `watch` keeps the owner's rules to
// itself: a second watch and an apply of the same owner fail with the
// lock's sentence instead of fighting it every interval; `apply --wait`
// goes ahead once the watch stopped.
func TestIPTablesWatchHoldsLock(t *testing.T) {
	f := newIPTFault(t, "legacy")
	first, firstRules := f.ruleset(0, 4)
	second, secondRules := f.ruleset(1, 4)
	flags := []string{"--backend", "iptables-legacy", "--state-dir", f.state, "--interval", "100ms"}
	w := startWatch(t, f.ns, append(flags, "-4", first)...)
	eventually(t, "watch applied its rules", func() bool { return w.logged("rules applied") != nil })
	f.check("watch", firstRules)

	other := startWatch(t, f.ns, append(flags, "-4", second)...)
	if code := other.wait(t); code != 1 || !strings.Contains(other.stderr.String(), "another process is changing this owner's iptables rules") {
		t.Errorf("second watch of the owner: want exit 1 and the lock's sentence, got exit %d:\n%s", code, other.stderr)
	}
	if r := runBin(t, "", nil, f.args("apply", "-4", second)...); r.code != 1 || !strings.Contains(r.stderr, "another process is changing") {
		t.Errorf("apply while watch runs: %s", r)
	}
	f.check("watch, after the others failed", firstRules)

	waiting := make(chan result, 1)
	go func() { waiting <- runBin(t, "", nil, f.args("apply", "--wait", "-4", second)...) }()
	time.Sleep(200 * time.Millisecond)
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	if code := w.wait(t); code != 0 {
		t.Fatalf("watch on SIGTERM: exit %d\n%s", code, w.stderr)
	}
	if r := <-waiting; r.code != 0 {
		t.Fatalf("apply --wait once watch stopped: %s", r)
	}
	f.check("apply --wait after watch", secondRules)
}
