package nft

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// The stress tests drive the engine with random changes, foreign changes
// and refused batches, checking after every step that the kernel holds
// exactly the desired state. They are bounded in time (NFTSYNC_STRESS_SECONDS,
// default 40 for the sequence and 15 for the concurrent part) and skipped
// with -short. A failure logs the seed; NFTSYNC_STRESS_SEED replays it.

// stressChain names a chain the generator may declare.
type stressChain struct {
	fam         rule.Family
	table, name string
	// jumps lists the chains rules of this one may jump to (no loops).
	jumps []string
}

var stressChains = []stressChain{
	{rule.IPv4, "filter", "FORWARD", []string{"USER1", "USER2"}},
	{rule.IPv4, "filter", "INPUT", []string{"USER1"}},
	{rule.IPv4, "filter", "USER1", []string{"USER2"}},
	{rule.IPv4, "filter", "USER2", nil},
	{rule.IPv4, "nat", "POSTROUTING", []string{"NATUSER"}},
	{rule.IPv4, "nat", "NATUSER", nil},
	{rule.IPv6, "filter", "INPUT", []string{"USER1"}},
	{rule.IPv6, "filter", "OUTPUT", nil},
	{rule.IPv6, "filter", "USER1", nil},
}

// stressState is a desired state in words: per chain of stressChains,
// whether it is declared, its policy and its rules.
type stressState struct {
	on     []bool
	policy []string
	rules  [][]string
}

func (s stressState) clone() stressState {
	c := stressState{on: append([]bool(nil), s.on...), policy: append([]string(nil), s.policy...)}
	for _, r := range s.rules {
		c.rules = append(c.rules, append([]string(nil), r...))
	}
	return c
}

// stressGen makes random states and Rulesets; rules parsed once are
// reused by pointer half of the time, as the controller does.
type stressGen struct {
	t      testing.TB
	r      *rand.Rand
	parsed map[string]*rule.Rule
}

func newStressGen(t testing.TB, seed int64) *stressGen {
	return &stressGen{t: t, r: rand.New(rand.NewSource(seed)), parsed: map[string]*rule.Rule{}}
}

// randRule returns a rule for chain i, jumping only where allowed (or to
// missing, when not empty).
func (g *stressGen) randRule(s stressState, i int, missing string) string {
	c := stressChains[i]
	n := g.r.Intn
	if missing != "" {
		return fmt.Sprintf(`-s %s -m comment --comment "refused %d" -j %s`, g.addr(c.fam), n(1000), missing)
	}
	var targets []string
	for _, j := range c.jumps {
		if k := g.index(c.fam, c.table, j); k >= 0 && s.on[k] {
			targets = append(targets, j)
		}
	}
	if len(targets) > 0 && n(5) == 0 {
		return fmt.Sprintf("-s %s -j %s", g.addr(c.fam), targets[n(len(targets))])
	}
	if c.table == "nat" {
		switch n(4) {
		case 0:
			return fmt.Sprintf("-s 10.%d.0.0/16 -j MASQUERADE", n(8))
		case 1:
			return fmt.Sprintf("-d 10.%d.0.0/16 -j RETURN", n(8))
		case 2:
			return fmt.Sprintf(`-o wg%d -m comment --comment "nat %d" -j MASQUERADE`, n(4), n(100))
		default:
			return fmt.Sprintf("-p tcp -m multiport --dports %d,%d -j MASQUERADE", 1000+n(100), 2000+n(100))
		}
	}
	switch n(6) {
	case 0:
		return fmt.Sprintf("-s %s -j ACCEPT", g.addr(c.fam))
	case 1:
		return fmt.Sprintf("-d %s -j DROP", g.addr(c.fam))
	case 2:
		return fmt.Sprintf("-p tcp -m multiport --dports %d,%d,%d -j ACCEPT", 10+n(10), 100+n(100), 1000+n(1000))
	case 3:
		return fmt.Sprintf(`-p udp --dport %d -m comment --comment "stress %d" -j ACCEPT`, 1+n(60000), n(1000))
	case 4:
		return fmt.Sprintf(`-m comment --comment "%s" -i eth%d -j RETURN`, strings.Repeat("x", 1+n(100)), n(3))
	default:
		return fmt.Sprintf("-i eth%d -o eth%d -j ACCEPT", n(3), n(3))
	}
}

func (g *stressGen) addr(fam rule.Family) string {
	if fam == rule.IPv6 {
		return fmt.Sprintf("fd00:%x::/64", g.r.Intn(16))
	}
	return fmt.Sprintf("10.%d.%d.0/24", g.r.Intn(4), g.r.Intn(4))
}

func (g *stressGen) index(fam rule.Family, table, name string) int {
	for i, c := range stressChains {
		if c.fam == fam && c.table == table && c.name == name {
			return i
		}
	}
	return -1
}

// empty is the state with nothing declared.
func (g *stressGen) empty() stressState {
	n := len(stressChains)
	return stressState{on: make([]bool, n), policy: make([]string, n), rules: make([][]string, n)}
}

// mutate changes 1 to 4 things: rules added, removed, moved, chains
// declared or dropped, policies.
func (g *stressGen) mutate(s stressState) stressState {
	s = s.clone()
	for k := 1 + g.r.Intn(4); k > 0; k-- {
		i := g.r.Intn(len(stressChains))
		c := stressChains[i]
		if !s.on[i] {
			s.on[i] = true
			for j := g.r.Intn(4); j > 0; j-- {
				s.rules[i] = append(s.rules[i], g.randRule(s, i, ""))
			}
			continue
		}
		rs := s.rules[i]
		switch op := g.r.Intn(10); {
		case op < 4:
			for j := 1 + g.r.Intn(3); j > 0; j-- {
				p := g.r.Intn(len(rs) + 1)
				rs = append(rs[:p], append([]string{g.randRule(s, i, "")}, rs[p:]...)...)
			}
		case op < 6 && len(rs) > 0:
			p := g.r.Intn(len(rs))
			rs = append(rs[:p], rs[p+1:]...)
		case op < 8 && len(rs) > 1:
			p, q := g.r.Intn(len(rs)), g.r.Intn(len(rs))
			x := rs[p]
			rs = append(rs[:p], rs[p+1:]...)
			q = min(q, len(rs))
			rs = append(rs[:q], append([]string{x}, rs[q:]...)...)
		case op == 8 && firewall.IsBuiltin(c.table, c.name) && c.table == "filter":
			s.policy[i] = []string{"", "ACCEPT", "DROP"}[g.r.Intn(3)]
		case op == 9:
			g.drop(&s, i)
			continue
		}
		s.rules[i] = rs
	}
	return s
}

// drop undeclares chain i and removes the jumps to it.
func (g *stressGen) drop(s *stressState, i int) {
	c := stressChains[i]
	s.on[i], s.rules[i], s.policy[i] = false, nil, ""
	for j, o := range stressChains {
		if o.fam != c.fam || o.table != c.table {
			continue
		}
		var kept []string
		for _, r := range s.rules[j] {
			if !strings.HasSuffix(r, " -j "+c.name) {
				kept = append(kept, r)
			}
		}
		s.rules[j] = kept
	}
}

// ruleset builds a new Ruleset for s (chains in random order).
func (g *stressGen) ruleset(s stressState) *firewall.Ruleset {
	rs := &firewall.Ruleset{}
	for _, i := range g.r.Perm(len(stressChains)) {
		if !s.on[i] {
			continue
		}
		c := stressChains[i]
		fc := &firewall.Chain{Family: c.fam, Table: c.table, Name: c.name, Policy: s.policy[i]}
		for _, txt := range s.rules[i] {
			key := fmt.Sprint(c.fam) + txt
			r := g.parsed[key]
			if r == nil || g.r.Intn(2) == 0 {
				var err error
				if r, err = rule.ParseString(c.fam, txt); err != nil {
					g.t.Errorf("parsing %q: %v", txt, err)
					continue
				}
				g.parsed[key] = r
			}
			fc.Rules = append(fc.Rules, firewall.Rule{Spec: r})
		}
		rs.Chains = append(rs.Chains, fc)
	}
	return rs
}

// canon is a Ruleset in a form that compares equal when two Rulesets
// declare the same: chains sorted, default policies explicit.
func canon(rs *firewall.Ruleset) string {
	var blocks []string
	for _, c := range rs.Chains {
		pol := c.Policy
		if pol == "" && c.Builtin() {
			pol = "ACCEPT"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s policy=%s\n", c.Family, c.Table, c.Name, pol)
		for _, r := range c.Rules {
			b.WriteString("    " + r.Spec.String() + "\n")
		}
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return strings.Join(blocks, "")
}

// stressCheck fails unless the kernel holds want: b reads it back, and a
// new backend of the same owner (no state in memory) plans nothing.
func stressCheck(t testing.TB, ns *netnstest.NS, b *Backend, owner string, want *firewall.Ruleset, when string) bool {
	t.Helper()
	ctx := context.Background()
	got, err := b.Read(ctx)
	if err != nil {
		t.Errorf("%s: Read: %v", when, err)
		return false
	}
	if g, w := canon(got), canon(want); g != w {
		t.Errorf("%s: Read returned\n%s\nwant\n%s", when, g, w)
		return false
	}
	fresh, err := New(WithNetNS(ns.Path), WithOwner(owner))
	if err != nil {
		t.Errorf("%s: new backend: %v", when, err)
		return false
	}
	defer fresh.Close()
	p, err := fresh.Plan(ctx, want)
	if err != nil {
		t.Errorf("%s: Plan of a new backend: %v", when, err)
		return false
	}
	if !p.Empty() {
		t.Errorf("%s: a new backend plans\n%s", when, p)
		return false
	}
	return true
}

// stressBudget returns the time budget of a stress test part.
func stressBudget(def time.Duration) time.Duration {
	if s, err := strconv.Atoi(os.Getenv("NFTSYNC_STRESS_SECONDS")); err == nil && s > 0 {
		return def * time.Duration(s) / 40
	}
	return def
}

// stressSeed returns the seed to use, logged for replay.
func stressSeed(t testing.TB) int64 {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("NFTSYNC_STRESS_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NFTSYNC_STRESS_SEED replays it)", seed)
	return seed
}

// TestStress applies random changes in a row, interleaved with foreign
// changes made with nft (other tables; drift in owned tables) and batches
// the kernel refuses, checking the kernel's state after every step.
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test skipped with -short")
	}
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	g := newStressGen(t, stressSeed(t))
	const owner = "s"
	b, obs := newBackend(t, ns, WithOwner(owner))
	ctx := context.Background()
	cur := g.empty()
	curRS := g.ruleset(cur)
	// The "same" step expects the state in memory: start from a
	// verified one.
	if _, err := b.Apply(ctx, curRS); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	deadline := time.Now().Add(stressBudget(40 * time.Second))
	for step := 0; time.Now().Before(deadline) && !t.Failed(); step++ {
		when := func(what string) string { return fmt.Sprintf("step %d (%s)", step, what) }
		switch k := g.r.Intn(10); {
		case k < 5:
			next := g.mutate(cur)
			rs := g.ruleset(next)
			if _, err := b.Apply(ctx, rs); err != nil {
				t.Fatalf("%s: Apply: %v", when("change"), err)
			}
			cur, curRS = next, rs
			counts["change"]++
			stressCheck(t, ns, b, owner, curRS, when("change"))
		case k < 6:
			ns.NFT(g.foreign())
			counts["foreign"]++
			stressCheck(t, ns, b, owner, curRS, when("foreign table"))
			if p, err := b.Apply(ctx, curRS); err != nil || !p.Empty() {
				t.Errorf("%s: Apply after a foreign change: %v, plan\n%s", when("foreign table"), err, p)
			}
		case k < 8:
			script := g.drift(t, ns, owner, cur)
			if script == "" {
				continue
			}
			ns.NFT(script)
			obs.Take()
			if _, err := b.Apply(ctx, curRS); err != nil {
				t.Fatalf("%s: Apply repairing %q: %v", when("drift"), script, err)
			}
			counts["drift"]++
			stressCheck(t, ns, b, owner, curRS, when("drift: "+script))
		case k < 9:
			bad := g.mutate(cur)
			var on []int
			for i := range stressChains {
				if bad.on[i] {
					on = append(on, i)
				}
			}
			if len(on) == 0 {
				continue
			}
			i := on[g.r.Intn(len(on))]
			missing := fmt.Sprintf("MISSING%d", g.r.Intn(100))
			p := g.r.Intn(len(bad.rules[i]) + 1)
			bad.rules[i] = append(bad.rules[i][:p], append([]string{g.randRule(bad, i, missing)}, bad.rules[i][p:]...)...)
			_, err := b.Apply(ctx, g.ruleset(bad))
			var re *firewall.RuleError
			if !errors.As(err, &re) || !strings.Contains(re.Rule, missing) {
				t.Fatalf("%s: Apply: %v, want a RuleError naming the jump to %s", when("refused"), err, missing)
			}
			counts["refused"]++
			stressCheck(t, ns, b, owner, curRS, when("refused"))
		default:
			obs.Take()
			if p, err := b.Apply(ctx, curRS); err != nil || !p.Empty() {
				t.Errorf("%s: Apply of the same Ruleset: %v, plan\n%s", when("same"), err, p)
			}
			if n := obs.Get("dump"); n != 0 {
				t.Errorf("%s: Apply of the same Ruleset dumped %d times", when("same"), n)
			}
			counts["same"]++
		}
	}
	t.Logf("steps: %v", counts)
	if counts["change"] == 0 || counts["refused"] == 0 {
		t.Errorf("too few steps to mean anything: %v", counts)
	}
}

// foreign returns an nft script changing tables nftsync does not own,
// including tables whose names look owned (other family, unknown suffix).
func (g *stressGen) foreign() string {
	switch g.r.Intn(4) {
	case 0:
		return fmt.Sprintf("add table inet other\nadd chain inet other c { type filter hook input priority 5; }\nadd rule inet other c ip saddr 198.51.100.%d counter drop", g.r.Intn(250))
	case 1:
		return "add table inet s-filter\nadd chain inet s-filter INPUT { type filter hook input priority 0; }\nadd rule inet s-filter INPUT counter accept"
	case 2:
		return "add table ip s-bogus\nadd chain ip s-bogus FORWARD\nadd rule ip s-bogus FORWARD counter"
	default:
		return "add table ip other\ndelete table ip other\nadd table bridge s-nat\nadd chain bridge s-nat c"
	}
}

// drift returns an nft script changing an owned table behind the
// backend's back, or "" when there is nothing to change.
func (g *stressGen) drift(t testing.TB, ns *netnstest.NS, owner string, s stressState) string {
	var on []int
	for i := range stressChains {
		if s.on[i] {
			on = append(on, i)
		}
	}
	if len(on) == 0 {
		return ""
	}
	c := stressChains[on[g.r.Intn(len(on))]]
	fam, table := c.fam.String(), nftName(owner, c.table)
	switch g.r.Intn(6) {
	case 0:
		hs := ruleHandles(t, ns, fam, table, c.name)
		if len(hs) == 0 {
			return ""
		}
		return fmt.Sprintf("delete rule %s %s %s handle %s", fam, table, c.name, strings.Fields(hs[g.r.Intn(len(hs))])[0])
	case 1:
		return fmt.Sprintf("insert rule %s %s %s counter drop", fam, table, c.name)
	case 2:
		return fmt.Sprintf("flush chain %s %s %s", fam, table, c.name)
	case 3:
		return fmt.Sprintf("delete table %s %s", fam, table)
	case 4:
		return fmt.Sprintf("add chain %s %s FOREIGN%d\nadd rule %s %s FOREIGN%[3]d counter", fam, table, g.r.Intn(3), fam, table)
	default:
		hs := ruleHandles(t, ns, fam, table, c.name)
		if len(hs) == 0 {
			return ""
		}
		return fmt.Sprintf("replace rule %s %s %s handle %s counter accept comment \"replaced\"", fam, table, c.name, strings.Fields(hs[g.r.Intn(len(hs))])[0])
	}
}

// TestStressConcurrentOwners runs two backends of different owners against
// one namespace at the same time, with nft changing a third table in
// between: each one's batches are refused with ERESTART whenever another
// committed between its read and its write, and it plans again.
func TestStressConcurrentOwners(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test skipped with -short")
	}
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	seed := stressSeed(t)
	deadline := time.Now().Add(stressBudget(15 * time.Second))
	var wg sync.WaitGroup
	for w, owner := range []string{"a", "b"} {
		b, obs := newBackend(t, ns, WithOwner(owner), WithMaxRetries(100))
		g := newStressGen(t, seed+int64(w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			cur := g.empty()
			applies := 0
			for step := 0; time.Now().Before(deadline) && !t.Failed(); step++ {
				next := g.mutate(cur)
				rs := g.ruleset(next)
				p, err := b.Apply(ctx, rs)
				if err != nil {
					t.Errorf("owner %s step %d: Apply: %v", owner, step, err)
					return
				}
				if !p.Empty() {
					applies++
				}
				cur = next
				got, err := b.Read(ctx)
				if err != nil {
					t.Errorf("owner %s step %d: Read: %v", owner, step, err)
					return
				}
				if g, w := canon(got), canon(rs); g != w {
					t.Errorf("owner %s step %d: Read returned\n%s\nwant\n%s", owner, step, g, w)
					return
				}
			}
			t.Logf("owner %s: %d committed applies, %d batches (the rest refused with ERESTART)", owner, applies, obs.Get("batch"))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; time.Now().Before(deadline) && !t.Failed(); i++ {
			if out, err := ns.TryExec("nft", "add", "table", "ip", "third", "{", "chain", "c", "{", "counter", ";", "}", ";", "}"); err != nil {
				t.Errorf("nft: %v\n%s", err, out)
				return
			}
			if out, err := ns.TryExec("nft", "delete", "table", "ip", "third"); err != nil {
				t.Errorf("nft: %v\n%s", err, out)
				return
			}
		}
	}()
	wg.Wait()
}
