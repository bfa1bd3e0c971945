package integration

import (
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/nftables"
	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// owner names the tables the nftables backend owns: kilo-filter, kilo-nat.
const owner = "kilo"

// backends is the one table every scenario runs over.
var backends = []string{controller.BackendNFTables, controller.BackendIPTables}

// eachBackend runs fn as a subtest per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// observer counts the operations a backend reports (getgen, dump, batch,
// exec, drift).
type observer struct {
	mu     sync.Mutex
	counts map[string]int
}

// Observe implements firewall.Observer.
func (o *observer) Observe(kind string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[kind] += n
}

// take returns the counts since the last take and starts again from zero.
func (o *observer) take() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.counts
	o.counts = map[string]int{}
	return c
}

// fixture is a controller working in one namespace with one backend.
type fixture struct {
	backend string
	ns      *netnstest.NS
	ctl     *controller.Controller
	obs     *observer
}

// newFixture makes a controller for backend in ns, owner "kilo".
func newFixture(t *testing.T, backend string, ns *netnstest.NS) *fixture {
	t.Helper()
	netnstest.RequireBinary(t, "nft")
	if backend == controller.BackendIPTables {
		for _, b := range []string{"iptables", "ip6tables", "iptables-save", "ip6tables-save"} {
			netnstest.RequireBinary(t, b)
		}
	}
	obs := &observer{counts: map[string]int{}}
	ctl, err := controller.New(
		controller.WithNetNS(ns.Path),
		controller.WithBackend(backend),
		controller.WithOwner(owner),
		controller.WithObserver(obs),
		controller.WithLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))),
	)
	if err != nil {
		t.Fatalf("controller.New(backend %s): %v", backend, err)
	}
	t.Cleanup(func() {
		if err := ctl.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if got := ctl.Backend(); got != backend {
		t.Fatalf("controller.New(WithBackend(%q)) runs the %q engine", backend, got)
	}
	return &fixture{backend: backend, ns: ns, ctl: ctl, obs: obs}
}

// set calls Set and fails the test on error.
func (f *fixture) set(t *testing.T, rules []controller.Rule) {
	t.Helper()
	if err := f.ctl.Set(rules); err != nil {
		t.Fatalf("Set: %v", err)
	}
}

// currentKeys reads the owned state back from the kernel.
func (f *fixture) currentKeys(t *testing.T) []string {
	t.Helper()
	rs, err := f.ctl.Current()
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	return keys(rs)
}

// keys lists a ruleset one line per chain (with its policy, "" read as
// ACCEPT for a built-in chain) and per rule (with its index), sorted: two
// rulesets have equal keys exactly when they hold the same chains and the
// same rules in the same order.
func keys(rs *firewall.Ruleset) []string {
	var out []string
	for _, c := range rs.Chains {
		pol := c.Policy
		if pol == "" && c.Builtin() {
			pol = "ACCEPT"
		}
		out = append(out, fmt.Sprintf("%s %s :%s %s", c.Family, c.Table, c.Name, pol))
		for i, r := range c.Rules {
			out = append(out, fmt.Sprintf("%s %s -A %s #%03d %s", c.Family, c.Table, c.Name, i, r.Spec))
		}
	}
	sort.Strings(out)
	return out
}

// desiredKeys is keys of what Set(rules) asks for.
func desiredKeys(t *testing.T, rules []controller.Rule) []string {
	t.Helper()
	rs, err := controller.Desired(rules)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	return keys(rs)
}

// diffKeys reports the lines only in want and only in got.
func diffKeys(want, got []string) string {
	in := func(s string, l []string) bool {
		for _, x := range l {
			if x == s {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, w := range want {
		if !in(w, got) {
			b.WriteString("\n  missing: " + w)
		}
	}
	for _, g := range got {
		if !in(g, want) {
			b.WriteString("\n  extra:   " + g)
		}
	}
	return b.String()
}

// listing is the kernel state as the backend's own tools print it:
// `nft list ruleset` for nftables (tables and chains sorted, since nft
// prints them in creation order and a repaired table is a newer one),
// iptables-save and ip6tables-save for iptables (their date comments
// dropped).
func (f *fixture) listing(t *testing.T) string {
	t.Helper()
	if f.backend == controller.BackendNFTables {
		return sortedRuleset(f.ns.Exec("nft", "list", "ruleset"))
	}
	return save(t, f.ns, false, "") + save(t, f.ns, true, "")
}

// sortedRuleset sorts the tables of an nft listing, and the chains (sets,
// maps) inside each table; every block keeps its own lines in order.
func sortedRuleset(listing string) string {
	var tables []string
	for _, tbl := range blocks(strings.Split(strings.TrimSuffix(listing, "\n"), "\n"), "") {
		if len(tbl) < 2 {
			tables = append(tables, tbl...)
			continue
		}
		head, body := tbl[0], tbl[1:len(tbl)-1]
		var inner []string
		for _, b := range blocks(body, "\t") {
			inner = append(inner, strings.Join(b, "\n"))
		}
		sort.Strings(inner)
		tables = append(tables, head+"\n"+strings.Join(inner, "\n\n")+"\n}")
	}
	sort.Strings(tables)
	return strings.Join(tables, "\n") + "\n"
}

// blocks splits lines into the blocks that open at indent with a line
// ending in "{" and close at the same indent with "}"; blank lines between
// blocks are dropped, other lines outside blocks are blocks of their own.
func blocks(lines []string, indent string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range lines {
		switch {
		case cur != nil:
			cur = append(cur, l)
			if l == indent+"}" {
				out, cur = append(out, cur), nil
			}
		case strings.TrimSpace(l) == "":
		case strings.HasSuffix(l, "{") && strings.HasPrefix(l, indent) && !strings.HasPrefix(l, indent+"\t"):
			cur = []string{l}
		default:
			out = append(out, []string{l})
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// save runs iptables-save (ip6tables-save when v6) inside ns, for one
// table or all, and drops the comment lines that carry a date.
func save(t *testing.T, ns *netnstest.NS, v6 bool, table string) string {
	t.Helper()
	cmd := "iptables-save"
	if v6 {
		cmd = "ip6tables-save"
	}
	var args []string
	if table != "" {
		args = []string{"-t", table}
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(ns.Exec(cmd, args...), "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// ipt runs iptables (ip6tables when v6) inside ns.
func ipt(t *testing.T, ns *netnstest.NS, v6 bool, args ...string) {
	t.Helper()
	cmd := "iptables"
	if v6 {
		cmd = "ip6tables"
	}
	ns.Exec(cmd, append([]string{"-w"}, args...)...)
}

// iptRule returns rule n (1-based) of chain as iptables -S prints it,
// split into arguments, without the leading "-A CHAIN".
func iptRule(t *testing.T, ns *netnstest.NS, v6 bool, table, chain string, n int) []string {
	t.Helper()
	cmd := "iptables"
	if v6 {
		cmd = "ip6tables"
	}
	var rules [][]string
	for _, l := range strings.Split(ns.Exec(cmd, "-w", "-t", table, "-S", chain), "\n") {
		if args := splitArgs(l); len(args) > 2 && args[0] == "-A" {
			rules = append(rules, args[2:])
		}
	}
	if n < 1 || n > len(rules) {
		t.Fatalf("%s -t %s -S %s: no rule %d (%d rules)", cmd, table, chain, n, len(rules))
	}
	return rules[n-1]
}

// splitArgs splits a line of iptables -S output into arguments, honouring
// the double quotes iptables puts around comments.
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '"':
			inQuote, have = !inQuote, true
		case c == ' ' && !inQuote:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// nftRule is one rule of an nftables chain as `nft -a list chain` prints it.
type nftRule struct {
	Handle int
	Text   string // without the "# handle N" comment
}

var handleRE = regexp.MustCompile(`^\s*(.*\S)\s+# handle (\d+)$`)

// nftRules lists the rules of an nftables chain with their handles.
func nftRules(t *testing.T, ns *netnstest.NS, family, table, chain string) []nftRule {
	t.Helper()
	var rules []nftRule
	for _, l := range strings.Split(ns.Exec("nft", "-a", "list", "chain", family, table, chain), "\n") {
		m := handleRE.FindStringSubmatch(l)
		if m == nil || strings.HasPrefix(m[1], "table ") || strings.HasPrefix(m[1], "chain ") {
			continue
		}
		h, _ := strconv.Atoi(m[2])
		rules = append(rules, nftRule{Handle: h, Text: m[1]})
	}
	if len(rules) == 0 {
		t.Fatalf("nft chain %s %s %s has no rules", family, table, chain)
	}
	return rules
}

// ownedTable is the nftables table the nftables backend keeps an iptables
// table in.
func ownedTable(table string) string { return owner + "-" + table }

// generation reads the namespace's nftables ruleset generation: every
// committed change, by anyone, increments it.
func generation(t *testing.T, ns *netnstest.NS) uint32 {
	t.Helper()
	h := ns.Handle()
	defer h.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		t.Fatalf("nftables.New: %v", err)
	}
	defer conn.CloseLasting()
	g, err := conn.GetGen()
	if err != nil {
		t.Fatalf("GetGen in %s: %v", ns, err)
	}
	return g.ID
}

// iptablesIsNFT reports whether the iptables binary is the nf_tables one,
// whose changes show in the nftables generation.
func iptablesIsNFT(t *testing.T, ns *netnstest.NS) bool {
	t.Helper()
	return strings.Contains(ns.Exec("iptables", "--version"), "nf_tables")
}

// kiloRules is what a Kilo router holds for one family: FORWARD lets TCP to
// port through from the client network to the server network and drops the
// rest; POSTROUTING sends the client network to KILO-NAT, which leaves
// traffic to the server network alone and masquerades everything else.
func kiloRules(a netnstest.Addrs) []controller.Rule {
	p, chain := controller.ProtocolIPv4, controller.NewIPv4Chain
	if a.Client.Is6() {
		p, chain = controller.ProtocolIPv6, controller.NewIPv6Chain
	}
	cn, sn := a.ClientNet.String(), a.ServerNet.String()
	return []controller.Rule{
		controller.NewRule(p, "filter", "FORWARD", "-s", cn, "-d", sn, "-p", "tcp", "--dport", strconv.Itoa(port), "-j", "ACCEPT"),
		controller.NewRule(p, "filter", "FORWARD", "-s", cn, "-d", sn, "-j", "DROP"),
		chain("nat", "KILO-NAT"),
		controller.NewRule(p, "nat", "POSTROUTING", "-s", cn, "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"),
		controller.NewRule(p, "nat", "KILO-NAT", "-d", sn, "-j", "RETURN"),
		controller.NewRule(p, "nat", "KILO-NAT", "-j", "MASQUERADE"),
	}
}

// kiloBoth is kiloRules for IPv4 and IPv6; it uses 4 tables (ip and ip6,
// filter and nat).
func kiloBoth() []controller.Rule {
	return append(kiloRules(netnstest.TopoV4), kiloRules(netnstest.TopoV6)...)
}

// tablesInUse counts the (family, table) pairs of rules.
func tablesInUse(t *testing.T, rules []controller.Rule) int {
	t.Helper()
	rs, err := controller.Desired(rules)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range rs.Chains {
		seen[c.Family.String()+" "+c.Table] = true
	}
	return len(seen)
}

// assertKeys compares the owned state read from the kernel with want.
func (f *fixture) assertKeys(t *testing.T, when string, want []string) {
	t.Helper()
	if d := diffKeys(want, f.currentKeys(t)); d != "" {
		t.Errorf("%s: Current() differs from the desired state:%s", when, d)
	}
}

// assertNoopReconcile reconciles once with nothing changed and checks that
// the backend wrote nothing and read little: no dump and no batch for
// nftables (a generation check only), at most one exec per table in use for
// iptables; the nftables generation must not move either way.
func (f *fixture) assertNoopReconcile(t *testing.T, tables int) {
	t.Helper()
	checkGen := f.backend == controller.BackendNFTables || iptablesIsNFT(t, f.ns)
	var gen uint32
	if checkGen {
		gen = generation(t, f.ns)
	}
	f.obs.take()
	if err := f.ctl.Reconcile(); err != nil {
		t.Fatalf("no-op Reconcile: %v", err)
	}
	c := f.obs.take()
	switch f.backend {
	case controller.BackendNFTables:
		if c["dump"] != 0 || c["batch"] != 0 {
			t.Errorf("no-op Reconcile: %d dumps and %d batches, want 0 and 0 (counts %v)", c["dump"], c["batch"], c)
		}
	case controller.BackendIPTables:
		if c["exec"] > tables {
			t.Errorf("no-op Reconcile: %d execs, want at most %d (one per table in use; counts %v)", c["exec"], tables, c)
		}
	}
	if checkGen {
		if now := generation(t, f.ns); now != gen {
			t.Errorf("no-op Reconcile: ruleset generation moved from %d to %d: something was written", gen, now)
		}
	}
}

// lineDiff shows the lines only in a and only in b.
func lineDiff(a, b string) string {
	return diffKeys(strings.Split(a, "\n"), strings.Split(b, "\n"))
}
