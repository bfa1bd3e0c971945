package integration

import (
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"testing"

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

// fixture is a controller working in one namespace with one backend.
type fixture struct {
	backend string
	ns      *netnstest.NS
	ctl     *controller.Controller
	obs     *firewall.Counter
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
	obs := &firewall.Counter{}
	ctl, err := controller.New(
		controller.WithNetNS(ns.Path),
		controller.WithBackend(backend),
		controller.WithOwner(owner),
		controller.WithStateDir(t.TempDir()),
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
	f.obs.Take()
	if err := f.ctl.Reconcile(); err != nil {
		t.Fatalf("no-op Reconcile: %v", err)
	}
	c := f.obs.Take()
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
