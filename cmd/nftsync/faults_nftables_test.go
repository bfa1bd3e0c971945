package main

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// nftForeign is the foreign state of the nftables fault tests: a table
// with a set and a base chain, an unmarked table named like one of the
// owner's (ip test-mangle: someone else's, never to be touched) and an
// inet table.
const nftForeign = `table ip foreign {
	set peers {
		type ipv4_addr
		elements = { 10.1.1.1, 10.1.1.2 }
	}
	chain fw {
		type filter hook forward priority 0; policy accept;
		ip saddr @peers accept
		ip saddr 10.8.0.0/16 drop
	}
}
table ip test-mangle {
	chain pre {
		type filter hook prerouting priority -150; policy accept;
		ip saddr 10.7.0.0/16 counter
	}
}
table inet other {
	chain c { tcp dport 22 accept; }
}
`

// nftFault is the nftables engine's fault-test fixture: a namespace with
// the foreign state above and two rulesets sharing half their rules.
type nftFault struct {
	t     *testing.T
	ns    *netnstest.NS
	paths [2]string
	// foreign is the foreign tables before the owner's first apply.
	foreign string
}

func newNFTFault(t *testing.T, n int) *nftFault {
	f := &nftFault{t: t, ns: netnstest.New(t)}
	f.ns.NFT(nftForeign)
	f.foreign = f.tables(false)
	sets := &iptFault{t: t} // the same rulesets as the iptables engine's suite
	for i := range f.paths {
		f.paths[i], _ = sets.ruleset(i, n)
	}
	return f
}

// args are the flags every run of the fixture takes.
//
// Chains stay whole (--segments 0): the snapshots compare kernel tables
// byte for byte, and a segmented chain's layout depends on the rules it
// held before (segments keep their rules), not only on the rules.
func (f *nftFault) args(owner string, args ...string) []string {
	return append(args, "--backend", "nftables", "--netns", f.ns.Name, "--owner", owner, "--log-level", "warn", "--segments", "0")
}

// run runs the binary and fails the test unless it exits with want.
func (f *nftFault) run(want int, what, owner string, args ...string) result {
	f.t.Helper()
	r := runBin(f.t, "", nil, f.args(owner, args...)...)
	if r.code != want {
		f.t.Fatalf("%s: nftsync %s: want exit %d, got %s", what, strings.Join(args, " "), want, r)
	}
	return r
}

// tables lists the namespace's tables as nft prints them, one by one in
// the order nft lists them: the owned ones (named test-filter, a-filter,
// b-filter) when owned, else every other one.
func (f *nftFault) tables(owned bool) string {
	return nftTables(f.ns, owned)
}

// nftTables is nftFault.tables for any namespace.
func nftTables(ns *netnstest.NS, owned bool) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(ns.Exec("nft", "list", "tables")), "\n") {
		name := strings.TrimPrefix(l, "table ")
		if l == "" || slices.Contains([]string{"ip test-filter", "ip a-filter", "ip b-filter"}, name) != owned {
			continue
		}
		b.WriteString(ns.Exec("nft", append([]string{"list", "table"}, strings.Fields(name)...)...))
	}
	return b.String()
}

// ownedTable is the owner's filter table as nft prints it, "" when absent.
func (f *nftFault) ownedTable(owner string) string {
	out, err := f.ns.TryExec("nft", "list", "table", "ip", owner+"-filter")
	if err != nil {
		return ""
	}
	return out
}

// checkForeign fails unless the foreign tables are as before, byte for byte.
func (f *nftFault) checkForeign(what string) {
	f.t.Helper()
	if got := f.tables(false); got != f.foreign {
		f.t.Fatalf("%s: foreign tables changed:\n%s\nwant:\n%s", what, got, f.foreign)
	}
}

// cleanup runs cleanup for each owner and fails unless nothing of theirs
// is left and the foreign tables are as before.
func (f *nftFault) cleanup(owners ...string) {
	f.t.Helper()
	for _, o := range owners {
		f.run(0, "cleanup", o, "cleanup")
	}
	if got := f.tables(true); got != "" {
		f.t.Fatalf("owned tables after cleanup:\n%s", got)
	}
	f.checkForeign("cleanup")
}

// snapshots applies both rulesets for owner, returning the owned table
// after each and the time the fastest switch took (the machine may be
// busy), to spread kills over.
func (f *nftFault) snapshots(owner string) (snap [2]string, full time.Duration) {
	full = time.Hour
	for i, set := range []int{0, 1, 0, 1} {
		start := time.Now()
		f.run(0, "apply", owner, "apply", "-4", f.paths[set])
		if i > 0 {
			full = min(full, time.Since(start))
		}
		snap[set] = f.ownedTable(owner)
	}
	return snap, full
}

// killAt starts the binary with args and kills it with SIGKILL after a
// random delay between from and to; it reports whether the process had
// already exited successfully.
func (f *nftFault) killAt(rng *rand.Rand, from, to time.Duration, args ...string) (delay time.Duration, exited bool) {
	f.t.Helper()
	cmd := exec.Command(nftsyncBin(f.t), f.args("test", args...)...)
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	delay = from + time.Duration(rng.Int64N(int64(to-from)))
	time.Sleep(delay)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	return delay, cmd.Wait() == nil
}

// TestNFTablesKill9 kills `nftsync apply --backend nftables` of a large
// ruleset with SIGKILL at random instants, each apply switching between
// two rulesets that share half their rules: after every kill the owned
// table is exactly the old or the new one (one atomic batch, never
// partial), diff then apply converge, and the foreign tables stay byte for
// byte; a killed cleanup leaves the old table or none, and the last
// cleanup leaves nothing of ours. Quick form: 3 tries at 2,000 rules; the
// long form (NFTSYNC_STRESS) makes 20 at 50,000.
func TestNFTablesKill9(t *testing.T) {
	n := stress(2000, 50000)
	f := newNFTFault(t, n)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	snap, full := f.snapshots("test")
	tries := stress(3, 20)
	var old, applied, exited int
	for try := range tries {
		set := (try + 1) % 2
		what := fmt.Sprintf("try %d", try)
		// Every other kill aims at the last quarter of the apply and
		// just after it, where the batch is sent and committed.
		from := time.Duration(0)
		if try%2 == 1 {
			from = full * 3 / 4
		}
		delay, done := f.killAt(rng, from, full+full/4, "apply", "-4", f.paths[set])
		what += fmt.Sprintf(" (kill at %v)", delay)
		if done {
			exited++
		}
		switch f.ownedTable("test") {
		case snap[1-set]:
			old++
		case snap[set]:
			applied++
		default:
			t.Fatalf("%s: the owned table is neither the old nor the new one:\n%.2000s", what, f.ownedTable("test"))
		}
		f.checkForeign(what)
		if r := runBin(t, "", nil, f.args("test", "diff", "-4", f.paths[set])...); r.code != 0 && r.code != 2 {
			t.Fatalf("%s: diff after the kill: %s", what, r)
		}
		f.run(0, what+", recovery apply", "test", "apply", "-4", f.paths[set])
		f.run(0, what+", diff after the recovery apply", "test", "diff", "-4", f.paths[set])
		if got := f.ownedTable("test"); got != snap[set] {
			t.Fatalf("%s: owned table after the recovery apply differs from a plain apply's:\n%.2000s", what, got)
		}
	}
	t.Logf("%d kills of an apply of %d rules (which takes %v): %d left the old table, %d the new one (%d after the process ended), none partial",
		tries, n, full, old, applied, exited)
	// A killed cleanup leaves the table or nothing; diff and apply then
	// converge, and a last cleanup leaves nothing of ours.
	last := tries % 2
	delay, _ := f.killAt(rng, 0, full, "cleanup")
	switch got := f.ownedTable("test"); got {
	case snap[last], "":
		t.Logf("cleanup killed at %v: owned table present: %v", delay, got != "")
	default:
		t.Fatalf("cleanup killed at %v left a partial table:\n%.2000s", delay, got)
	}
	f.checkForeign("killed cleanup")
	if r := runBin(t, "", nil, f.args("test", "diff", "-4", f.paths[last])...); r.code != 0 && r.code != 2 {
		t.Fatalf("diff after a killed cleanup: %s", r)
	}
	f.run(0, "apply after a killed cleanup", "test", "apply", "-4", f.paths[last])
	f.run(0, "diff", "test", "diff", "-4", f.paths[last])
	f.cleanup("test")
}

// TestNFTablesSameOwnerWriters: two applies of the same owner at once, one
// with --wait: the one without --wait goes ahead or is refused with the
// lock's sentence, and the final state is exactly one of the two
// rulesets. The long form (NFTSYNC_STRESS) makes 10 rounds at 5,000 rules.
func TestNFTablesSameOwnerWriters(t *testing.T) {
	f := newNFTFault(t, stress(200, 5000))
	snap, _ := f.snapshots("test")
	rounds, refused := stress(2, 10), 0
	for round := range rounds {
		var wg sync.WaitGroup
		res := make([]result, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				args := []string{"apply", "-4", f.paths[i]}
				if i == 0 {
					args = append(args, "--wait")
				}
				res[i] = runBin(t, "", nil, f.args("test", args...)...)
			}()
		}
		wg.Wait()
		if r := res[0]; r.code != 0 {
			t.Fatalf("round %d: writer with --wait: %s", round, r)
		}
		// The holder's pid is named when it can still be asked: the
		// other writer may have finished between the refusal and the
		// question.
		if r := res[1]; r.code == 1 && strings.Contains(r.stderr, "held by another writer") && strings.Count(r.stderr, "\n") == 1 {
			refused++
		} else if r.code != 0 {
			t.Fatalf("round %d: writer without --wait: want success or the lock's sentence, got %s", round, r)
		}
		got := f.ownedTable("test")
		won := slices.Index(snap[:], got)
		if won < 0 {
			t.Fatalf("round %d: the owned table is neither ruleset:\n%.2000s", round, got)
		}
		f.run(0, fmt.Sprintf("round %d", round), "test", "diff", "-4", f.paths[won])
		f.checkForeign(fmt.Sprintf("round %d", round))
	}
	t.Logf("%d rounds, exact final state in each; the writer without --wait was refused by the lock in %d", rounds, refused)
	f.cleanup("test")
}

// TestNFTablesTwoOwners: two owners apply in a loop at once, each
// switching between two rulesets: after each of its applies an owner's
// table is exactly the one it applied, whatever the other one does, and
// the foreign tables never change. The long form (NFTSYNC_STRESS) makes 50
// applies per owner at 2,000 rules.
func TestNFTablesTwoOwners(t *testing.T) {
	f := newNFTFault(t, stress(100, 2000))
	owners := []string{"a", "b"}
	snaps := map[string][2]string{}
	for _, o := range owners {
		snaps[o], _ = f.snapshots(o)
	}
	loops := stress(6, 50)
	errs := make(chan error, len(owners))
	for _, o := range owners {
		go func() {
			for i := range loops {
				set := i % 2
				r := runBin(t, "", nil, f.args(o, "apply", "-4", f.paths[set])...)
				if r.code != 0 {
					errs <- fmt.Errorf("owner %s, apply %d: %s", o, i, r)
					return
				}
				if got := f.ownedTable(o); got != snaps[o][set] {
					errs <- fmt.Errorf("owner %s, apply %d: its table is not the ruleset it applied:\n%.2000s", o, i, got)
					return
				}
			}
			errs <- nil
		}()
	}
	for range owners {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("2 owners × %d applies at once, each owner's table exact after each", loops)
	f.checkForeign("two owners")
	f.cleanup(owners...)
}
