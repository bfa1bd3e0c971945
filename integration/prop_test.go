package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/internal/rulegen"
	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/nft"
	"github.com/nftsync/nftsync/rule"
)

// The property test (issue 8): random rules over iptables' whole extension
// grammar (internal/rulegen); of those iptables-legacy accepts, nftsync
// must accept as many as possible (reported, and a gate once
// NFTSYNC_PROPTEST_MIN_ACCEPT is raised), and every rule it accepts must
// converge: apply, then diff is empty; a second apply keeps every handle;
// list fed back to apply changes nothing; no owned rule reads as foreign.
// A convergence failure fails the test with the seed and a one-rule
// reproducer.
//
// Environment: NFTSYNC_PROPTEST_SEEDS (comma-separated, default 1),
// NFTSYNC_PROPTEST_N (rules per seed, default 300),
// NFTSYNC_PROPTEST_MIN_ACCEPT (percent of iptables-accepted rules nftsync
// must accept, default defaultMinAccept). `make proptest` runs more seeds
// and rules.

const propOwner = "pt"

// defaultMinAccept is the acceptance the test demands unless told
// otherwise: issue 8's 98%. Measured: 99.4-100% over seeds 1-20 with 1000
// rules each, 100% for the CI run; the README lists what is still
// refused.
const defaultMinAccept = 98

type propConfig struct {
	seeds     []uint64
	n         int
	minAccept float64
}

// propSegments is the segment length of every backend of the property
// test (nft.WithSegments): NFTSYNC_PROPTEST_SEGMENTS, or the default;
// TestPropertySegments makes it small, so that every chain of a few rules
// is laid out in segments.
var propSegments = nft.DefaultSegmentLen

func readPropConfig(t *testing.T) propConfig {
	t.Helper()
	c := propConfig{seeds: []uint64{1}, n: 300, minAccept: defaultMinAccept}
	if s := os.Getenv("NFTSYNC_PROPTEST_SEEDS"); s != "" {
		c.seeds = nil
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("NFTSYNC_PROPTEST_SEEDS=%q: %v", s, err)
			}
			c.seeds = append(c.seeds, v)
		}
	}
	if s := os.Getenv("NFTSYNC_PROPTEST_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("NFTSYNC_PROPTEST_N=%q: want a positive number", s)
		}
		c.n = v
	}
	if s := os.Getenv("NFTSYNC_PROPTEST_SEGMENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			t.Fatalf("NFTSYNC_PROPTEST_SEGMENTS=%q: want a segment length, or 0", s)
		}
		propSegments = v
	}
	if s := os.Getenv("NFTSYNC_PROPTEST_MIN_ACCEPT"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("NFTSYNC_PROPTEST_MIN_ACCEPT=%q: %v", s, err)
		}
		c.minAccept = v
	}
	return c
}

func TestPropertyRules(t *testing.T) {
	netnstest.RequireRoot(t)
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	netnstest.RequireBinary(t, "ip6tables-legacy-restore")
	cfg := readPropConfig(t)
	for _, seed := range cfg.seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runProperty(t, cfg, seed) })
	}
}

// TestPropertySegments is TestPropertyRules and TestPropertyPackets (seed
// 1 unless NFTSYNC_PROPTEST_SEEDS says otherwise) with segments of 4
// rules: every chain of more than 8 rules is laid out in segments, linked
// by jumps or gotos within the kernel's bound on nesting, and must
// converge and count the packets iptables-legacy counts all the same.
func TestPropertySegments(t *testing.T) {
	netnstest.RequireRoot(t)
	for _, b := range []string{"iptables-legacy-restore", "ip6tables-legacy-restore", "iptables-legacy-save", "ip6tables-legacy-save"} {
		netnstest.RequireBinary(t, b)
	}
	cfg := readPropConfig(t)
	defer func(v int) { propSegments = v }(propSegments)
	propSegments = 4
	for _, seed := range cfg.seeds {
		segmentsMade = 0
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runProperty(t, cfg, seed)
			t.Logf("seed %d: %d segment chains in the applied ruleset", seed, segmentsMade)
			if segmentsMade == 0 {
				t.Errorf("seed %d: no chain was laid out in segments", seed)
			}
			runPacketProperty(t, cfg, seed)
		})
	}
}

// segmentsMade counts the segment chains the convergence steps of
// TestPropertySegments found after their first apply.
var segmentsMade int

func runProperty(t *testing.T, cfg propConfig, seed uint64) {
	start := time.Now()
	rules := rulegen.New(seed).Rules(cfg.n)

	legacy, legacyRefused := legacyFilter(t, netnstest.New(t), rules)
	tLegacy := time.Since(start)

	ns := netnstest.New(t)
	accepted, refused := nftsyncFilter(t, ns, legacy)
	tAccept := time.Since(start) - tLegacy

	pct := 100 * float64(len(accepted)) / float64(max(len(legacy), 1))
	t.Logf("seed %d: %d rules generated, %d accepted by iptables-legacy, %d of them by nftsync (%.1f%%)",
		seed, len(rules), len(legacy), len(accepted), pct)
	logClasses(t, "iptables-legacy refused (not an nftsync problem)", legacyRefused, 30)
	logClasses(t, "nftsync refused", refused, 1000)
	logCoverage(t, legacy, accepted)

	problems := convergence(t, ns, accepted)
	if len(problems) > 0 {
		// Find the rules that fail on their own: one-rule reproducers
		// (but for those that need another rule's kernel object, which
		// apply refuses alone: see nftsyncFilter).
		t.Logf("seed %d: the accepted rules together: %s", seed, strings.Join(problems, "\n  "))
		// A set without the rule that makes another's kernel object
		// (-m rateest's estimator) is refused by apply: not a failure
		// to converge.
		fails := func(rs []rulegen.Rule) []string {
			p := convergence(t, ns, rs)
			if len(p) > 0 && strings.HasPrefix(p[0], "apply: ") && strings.Contains(p[0], syscall.ENOENT.Error()) {
				return nil
			}
			return p
		}
		var bad []string
		for _, r := range accepted {
			if p := fails([]rulegen.Rule{r}); len(p) > 0 {
				bad = append(bad, fmt.Sprintf("  %s\n    %s", r, strings.Join(p, "\n    ")))
			}
		}
		if len(bad) == 0 {
			small := minimize(accepted, func(rs []rulegen.Rule) bool { return len(fails(rs)) > 0 })
			t.Errorf("seed %d: the %d accepted rules together do not converge, each one alone does; these %d do not either:\n%s\n  %s",
				seed, len(accepted), len(small), restoreText(small), strings.Join(convergence(t, ns, small), "\n  "))
		} else {
			t.Errorf("seed %d: %d accepted rules do not converge (reproduce: NFTSYNC_PROPTEST_SEEDS=%d NFTSYNC_PROPTEST_N=%d):\n%s",
				seed, len(bad), seed, cfg.n, strings.Join(bad, "\n"))
		}
	}
	t.Logf("seed %d: legacy filter %v, nftsync acceptance %v, convergence %v",
		seed, tLegacy.Round(time.Millisecond), tAccept.Round(time.Millisecond), (time.Since(start) - tLegacy - tAccept).Round(time.Millisecond))

	if pct < cfg.minAccept {
		t.Errorf("seed %d: nftsync accepted %.1f%% of the rules iptables-legacy accepts, want at least %.1f%% (NFTSYNC_PROPTEST_MIN_ACCEPT)",
			seed, pct, cfg.minAccept)
	}
}

// logClasses prints counts by class, largest first, with up to limit rows.
func logClasses(t *testing.T, title string, m map[string]int, limit int) {
	t.Helper()
	type row struct {
		class string
		n     int
	}
	var rows []row
	total := 0
	for c, n := range m {
		rows = append(rows, row{c, n})
		total += n
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].n > rows[j].n || rows[i].n == rows[j].n && rows[i].class < rows[j].class
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rules, %d classes", title, total, len(rows))
	for i, r := range rows {
		if i == limit {
			fmt.Fprintf(&b, "\n  ... %d more classes", len(rows)-limit)
			break
		}
		fmt.Fprintf(&b, "\n  %4d  %s", r.n, r.class)
	}
	t.Log(b.String())
}

// logCoverage prints, per extension, how many of the rules iptables-legacy
// accepts that use it nftsync accepts.
func logCoverage(t *testing.T, legacy, accepted []rulegen.Rule) {
	t.Helper()
	type count struct{ legacy, ok int }
	m := map[string]*count{}
	tally := func(rs []rulegen.Rule, f func(*count)) {
		for _, r := range rs {
			for _, e := range r.Exts {
				if m[e] == nil {
					m[e] = &count{}
				}
				f(m[e])
			}
		}
	}
	tally(legacy, func(c *count) { c.legacy++ })
	tally(accepted, func(c *count) { c.ok++ })
	names := make([]string, 0, len(m))
	for e := range m {
		names = append(names, e)
	}
	sort.Strings(names)
	var full, part, none []string
	for _, e := range names {
		c := m[e]
		s := fmt.Sprintf("%s %d/%d", e, c.ok, c.legacy)
		switch {
		case c.ok == c.legacy:
			full = append(full, s)
		case c.ok == 0:
			none = append(none, s)
		default:
			part = append(part, s)
		}
	}
	t.Logf("coverage by extension (nftsync/iptables-legacy accepted rules using it):\n  all:  %s\n  some: %s\n  none: %s",
		strings.Join(full, ", "), strings.Join(part, ", "), strings.Join(none, ", "))
}

// parseRules parses rules the way `nftsync apply -4 FILE -6 FILE` does: one
// restore file per family through iptsave.Parse.
func parseRules(rules []rulegen.Rule) (*firewall.Ruleset, error) {
	rs := &firewall.Ruleset{}
	for _, v6 := range []bool{false, true} {
		var fam []rulegen.Rule
		for _, r := range rules {
			if r.V6 == v6 {
				fam = append(fam, r)
			}
		}
		if len(fam) == 0 {
			continue
		}
		f := rulegen.NewFile(fam)
		part, err := iptsave.Parse(strings.NewReader(f.Text), "rules", ruleFamily(v6))
		if err != nil {
			return nil, err
		}
		rs.Chains = append(rs.Chains, part.Chains...)
	}
	return rs, nil
}

func ruleFamily(v6 bool) rule.Family {
	if v6 {
		return rule.IPv6
	}
	return rule.IPv4
}

func propBackend(t *testing.T, ns *netnstest.NS) *nft.Backend {
	t.Helper()
	b, err := nft.New(nft.WithNetNS(ns.Path), nft.WithOwner(propOwner), nft.WithSegments(propSegments))
	if err != nil {
		t.Fatalf("nft.New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// nftsyncFilter returns the rules nftsync accepts and the refusals by
// class. Each rule is parsed on its own (the refusals of apply's parser);
// the parsed rules are then applied together, and a refused apply is
// bisected down to the rules the engine or the kernel refuses.
func nftsyncFilter(t *testing.T, ns *netnstest.NS, rules []rulegen.Rule) (accepted []rulegen.Rule, refused map[string]int) {
	t.Helper()
	refused = map[string]int{}
	var parsed []rulegen.Rule
	for _, r := range rules {
		if _, err := parseRules([]rulegen.Rule{r}); err != nil {
			refused["parse: "+refusalClass(err)]++
			continue
		}
		parsed = append(parsed, r)
	}
	b := propBackend(t, ns)
	ctx := context.Background()
	// needOthers are rules refused alone for a kernel object another rule
	// makes (-m rateest needs the estimator of a RATEEST rule): bisection
	// can part them from it, so they are tried again, one by one, with
	// all the accepted rules (iptables-legacy kept them with those too).
	var needOthers []rulegen.Rule
	check := func(rs []rulegen.Rule) error {
		d, err := parseRules(rs)
		if err == nil {
			_, err = b.Apply(ctx, d)
		}
		return err
	}
	var keep func(rs []rulegen.Rule) []rulegen.Rule
	keep = func(rs []rulegen.Rule) []rulegen.Rule {
		if len(rs) == 0 {
			return nil
		}
		err := check(rs)
		if err == nil {
			return rs
		}
		if len(rs) == 1 && errors.Is(err, syscall.ENOENT) {
			needOthers = append(needOthers, rs[0])
			return nil
		}
		if len(rs) == 1 {
			refused["apply: "+refusalClass(err)]++
			t.Logf("apply refused %s: %v", rs[0], err)
			return nil
		}
		h := len(rs) / 2
		return append(keep(rs[:h:h]), keep(rs[h:])...)
	}
	accepted = dropConflicts(keep(parsed), check, func(r rulegen.Rule, err error) {
		refused["apply with the other rules: "+refusalClass(err)]++
		t.Logf("apply refused %s with the other rules: %v", r, err)
	}, func(rs []rulegen.Rule, err error) {
		t.Logf("apply refuses these rules together, and each alone accepts them:\n%s", restoreText(rs))
	})
	for _, r := range needOthers {
		if err := check(append(slices.Clip(accepted), r)); err != nil {
			refused["apply: "+refusalClass(err)]++
			t.Logf("apply refused %s with all the accepted rules: %v", r, err)
		} else {
			accepted = append(accepted, r)
		}
	}
	if err := b.CleanUp(ctx); err != nil {
		t.Fatalf("CleanUp: %v", err)
	}
	b.Close() // the convergence steps are other writers of the owner
	return accepted, refused
}

// dropConflicts returns rs without the rules that fail only together with
// others: while check fails on the whole list, the shortest failing prefix
// is found by bisection and its last rule dropped (reported to drop with
// check's error; explain, when not nil, gets a minimal failing set).
func dropConflicts(rs []rulegen.Rule, check func([]rulegen.Rule) error, drop func(rulegen.Rule, error), explain ...func([]rulegen.Rule, error)) []rulegen.Rule {
	for len(rs) > 0 && check(rs) != nil {
		lo, hi := 1, len(rs) // rs[:hi] fails
		for lo < hi {
			if mid := (lo + hi) / 2; check(rs[:mid:mid]) != nil {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		err := check(rs[:hi:hi])
		if err == nil {
			// iptables-legacy answered otherwise for the same rules
			// (a kernel object of an earlier restore still there):
			// start over.
			continue
		}
		drop(rs[hi-1], err)
		for _, ex := range explain {
			ex(minimize(rs[:hi:hi], func(s []rulegen.Rule) bool { return check(s) != nil }), err)
		}
		rs = slices.Delete(slices.Clone(rs), hi-1, hi)
	}
	return rs
}

// minimize returns a small subset of rs that still fails (fails(rs) must
// hold): it drops chunks, halving their size, while the failure stays.
func minimize(rs []rulegen.Rule, fails func([]rulegen.Rule) bool) []rulegen.Rule {
	for size := len(rs) / 2; size >= 1; size /= 2 {
		for i := 0; i < len(rs); {
			rest := append(slices.Clone(rs[:i]), rs[min(i+size, len(rs)):]...)
			if len(rest) > 0 && fails(rest) {
				rs = rest
			} else {
				i += size
			}
		}
	}
	return rs
}

// restoreText prints rules as restore files, one per family.
func restoreText(rs []rulegen.Rule) string {
	var b strings.Builder
	for _, v6 := range []bool{false, true} {
		if fam := familyRules(rs, v6); len(fam) > 0 {
			fmt.Fprintf(&b, "# %s\n%s", map[bool]string{false: "IPv4", true: "IPv6"}[v6], rulegen.NewFile(fam).Text)
		}
	}
	return b.String()
}

// refusalClass reduces an error to its kind: the file and line, numbers and
// quoted values of the rule are dropped, the option and reason kept.
func refusalClass(err error) string {
	msg := err.Error()
	var le *rule.LineError
	if errors.As(err, &le) {
		msg = le.Err.Error()
	}
	var re *firewall.RuleError
	if errors.As(err, &re) {
		msg = re.Err.Error()
	}
	if m := quotedArg.FindStringSubmatch(msg); m != nil && !strings.HasPrefix(m[1], "-") && !strings.Contains(m[2], "module") {
		msg = `VALUE: ` + m[2] // the offending value, not an option or module
	}
	msg = loadedModules.ReplaceAllString(msg, "")
	msg = digits.ReplaceAllString(msg, "N")
	for _, r := range classValues {
		msg = r.re.ReplaceAllString(msg, r.with)
	}
	return msg
}

// classValues drop the values a refusal quotes, so that refusals for one
// reason form one class.
var classValues = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\(iptables-translate prints [^)]*\)`), "(iptables-translate prints …)"},
	{regexp.MustCompile(`(prefix) "(?:[^"\\]|\\.)*"`), `$1 "…"`},
	{regexp.MustCompile(`(--tcp-flags) [A-Z,]+ [A-Z,]+ `), "$1 … "},
	{regexp.MustCompile(`(address type) [A-Z,_]+ `), "$1 … "},
	{regexp.MustCompile(`(connbytes) .*? (matches a counter)`), "$1 … $2"},
	{regexp.MustCompile(`(\s!?\s?--[\w-]+) [^:()]+: `), "$1 …: "},
}

var (
	// quotedArg is a ParseError naming its argument: "ARG": reason.
	quotedArg = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)": (.*)$`)
	// loadedModules is the list of modules an unknown option was looked
	// up in, which varies with the rule.
	loadedModules = regexp.MustCompile(` \([^()]*\)$`)
)

// convergence checks the convergence property for rules through fresh
// backends (as separate `nftsync` runs would) and returns what failed.
func convergence(t *testing.T, ns *netnstest.NS, rules []rulegen.Rule) (problems []string) {
	t.Helper()
	ctx := context.Background()
	desired := func() *firewall.Ruleset {
		d, err := parseRules(rules)
		if err != nil {
			t.Fatalf("parsing accepted rules again: %v", err)
		}
		return d
	}
	// Each step is a fresh backend, as separate CLI runs would be; the
	// one before it is closed first (one writer per owner).
	var last *nft.Backend
	fresh := func() *nft.Backend {
		if last != nil {
			last.Close()
		}
		b, err := nft.New(nft.WithNetNS(ns.Path), nft.WithOwner(propOwner), nft.WithSegments(propSegments))
		if err != nil {
			t.Fatalf("nft.New: %v", err)
		}
		last = b
		return b
	}
	// apply
	b := fresh()
	defer b.Close()
	if _, err := b.Apply(ctx, desired()); err != nil {
		return []string{fmt.Sprintf("apply: %v", err)}
	}
	before := ruleHandles(t, ns)
	segmentsMade += strings.Count(before, "/seg")

	// diff is empty
	d := fresh()
	defer d.Close()
	if plan, err := d.Plan(ctx, desired()); err != nil {
		problems = append(problems, fmt.Sprintf("diff: %v", err))
	} else if !plan.Empty() {
		problems = append(problems, "diff after apply is not empty:\n"+plan.String())
	}

	// a second apply changes nothing and keeps every handle
	a := fresh()
	defer a.Close()
	if plan, err := a.Apply(ctx, desired()); err != nil {
		problems = append(problems, fmt.Sprintf("second apply: %v", err))
	} else if !plan.Empty() {
		problems = append(problems, "second apply changed:\n"+plan.String())
	}
	if after := ruleHandles(t, ns); after != before {
		problems = append(problems, fmt.Sprintf("second apply changed handles:\n%s\nbefore:\n%s", after, before))
	}

	// list: nothing foreign; fed back to apply, it changes nothing
	l := fresh()
	defer l.Close()
	cur, err := l.Read(ctx)
	if err != nil {
		return append(problems, fmt.Sprintf("list: %v", err))
	}
	for _, c := range cur.Chains {
		for i, r := range c.Rules {
			if r.Label != "" || strings.Contains(r.Spec.String(), nft.ForeignComment) {
				problems = append(problems, fmt.Sprintf("list shows an owned rule as foreign: %s %s %s #%d %q", c.Family, c.Table, c.Name, i, r.Label))
			}
		}
	}
	listed := &firewall.Ruleset{}
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		var buf strings.Builder
		if err := iptsave.Write(&buf, cur, fam); err != nil {
			return append(problems, fmt.Sprintf("list (%s): %v", fam, err))
		}
		if !strings.Contains(buf.String(), "*") {
			continue
		}
		part, err := iptsave.Parse(strings.NewReader(buf.String()), "listed", fam)
		if err != nil {
			return append(problems, fmt.Sprintf("list output does not parse: %v\n%s", err, buf.String()))
		}
		listed.Chains = append(listed.Chains, part.Chains...)
	}
	f := fresh()
	defer f.Close()
	if plan, err := f.Apply(ctx, listed); err != nil {
		problems = append(problems, fmt.Sprintf("apply of the list output: %v", err))
	} else if !plan.Empty() {
		problems = append(problems, "apply of the list output changed:\n"+plan.String())
	}
	if after := ruleHandles(t, ns); after != before {
		problems = append(problems, fmt.Sprintf("apply of the list output changed handles:\n%s\nbefore:\n%s", after, before))
	}
	return problems
}

// listedRule is what the tests read of a rule: its handle and counter.
type listedRule struct {
	handle         uint64
	packets, bytes int
	counted        bool // it has a counter
	// link is the segment this rule jumps or goes to when it is a link
	// of a segmented chain (nft/segments.go), else "".
	link string
}

// ownedRules lists the rules of the owner's tables, and of iptables'
// tables the owner placed rules in (the tests' namespaces hold no other
// rules there), keyed by family, iptables table and chain, in order. It
// reads `nft -j list ruleset`: google/nftables' GetRules returned a chain
// cut short, without an error, after a rule with long xtables infos.
func ownedRules(t *testing.T, ns *netnstest.NS) map[string][]listedRule {
	t.Helper()
	var listing struct {
		Nftables []struct {
			Rule *struct {
				Family, Table, Chain string
				Handle               uint64
				Expr                 []map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal([]byte(ns.Exec("nft", "-j", "list", "ruleset")), &listing); err != nil {
		t.Fatalf("reading nft -j list ruleset: %v", err)
	}
	out := map[string][]listedRule{}
	for _, o := range listing.Nftables {
		r := o.Rule
		if r == nil {
			continue
		}
		table, owned := strings.CutPrefix(r.Table, propOwner+"-")
		if !owned && !slices.Contains(rule.Tables, r.Table) {
			continue
		}
		lr := listedRule{handle: r.Handle}
		for _, e := range r.Expr {
			if c, ok := e["counter"]; ok && !lr.counted {
				var v struct{ Packets, Bytes int }
				if err := json.Unmarshal(c, &v); err != nil {
					t.Fatalf("reading a counter: %v", err)
				}
				lr.packets, lr.bytes, lr.counted = v.Packets, v.Bytes, true
			}
			for _, verdict := range []string{"jump", "goto"} {
				var v struct{ Target string }
				if j, ok := e[verdict]; ok && json.Unmarshal(j, &v) == nil && isSegment(v.Target) {
					lr.link = v.Target
				}
			}
		}
		key := chainKey(r.Family == "ip6", table, r.Chain)
		out[key] = append(out[key], lr)
	}
	return out
}

// isSegment reports whether a chain is named as a segment: "C/seg" and
// a number of 29 characters or more in all (nft/segments.go), a name no
// iptables chain can have.
func isSegment(chain string) bool {
	i := strings.LastIndex(chain, "/seg")
	if i < 0 || len(chain) < 29 {
		return false
	}
	_, err := strconv.ParseUint(chain[i+len("/seg"):], 10, 64)
	return err == nil
}

// mergeSegments returns rules keyed by iptables chain, as ownedRules
// gives them, with each segmented chain's segments in place of their
// links, in order: the iptables chain as one list.
func mergeSegments(rules map[string][]listedRule) map[string][]listedRule {
	out := map[string][]listedRule{}
	var expand func(prefix string, rs []listedRule, into []listedRule) []listedRule
	expand = func(prefix string, rs []listedRule, into []listedRule) []listedRule {
		for _, r := range rs {
			if r.link == "" {
				into = append(into, r)
				continue
			}
			into = expand(prefix, rules[prefix+r.link], into)
		}
		return into
	}
	for key, rs := range rules {
		i := strings.LastIndexByte(key, ' ')
		if isSegment(key[i+1:]) {
			continue
		}
		out[key] = expand(key[:i+1], rs, nil)
	}
	return out
}

func chainKey(v6 bool, table, chain string) string { return fmt.Sprintf("%v %s %s", v6, table, chain) }

// ruleHandles lists the handles of every rule in the owner's tables.
func ruleHandles(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	var lines []string
	for key, rs := range ownedRules(t, ns) {
		hs := make([]string, len(rs))
		for i, r := range rs {
			hs[i] = strconv.FormatUint(r.handle, 10)
		}
		lines = append(lines, key+": "+strings.Join(hs, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
