package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-iptables/iptables"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"github.com/prometheus/client_golang/prometheus"
)

// go-iptables' client must satisfy Client, so Kilo code keeps compiling.
var _ Client = (*iptables.IPTables)(nil)

func TestGetProtocol(t *testing.T) {
	if GetProtocol(16) != ProtocolIPv6 || GetProtocol(4) != ProtocolIPv4 {
		t.Fatal("GetProtocol maps lengths wrongly")
	}
}

func TestStringKeepsKiloFormat(t *testing.T) {
	for _, tc := range []struct {
		r    Rule
		want string
	}{
		{NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: jump", "-j", "KILO-NAT"),
			`nat -A POSTROUTING -s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT`},
		{NewIPv6Chain("nat", "KILO-NAT"), "nat -N KILO-NAT"},
		{NewIPv4Rule("filter", "FORWARD", "-j", "ACCEPT"), "filter -A FORWARD -j ACCEPT"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestDesired(t *testing.T) {
	rs, err := Desired([]Rule{
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-d", "10.4.0.0/16", "-j", "RETURN"),
		NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-j", "KILO-NAT"),
		NewIPv6Rule("filter", "FORWARD", "-s", "fd00::/8", "-j", "ACCEPT"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "ACCEPT"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range rs.Chains {
		got = append(got, fmt.Sprintf("%s/%s/%s/%d", c.Family, c.Table, c.Name, len(c.Rules)))
	}
	want := "ip/nat/KILO-NAT/2 ip/nat/POSTROUTING/1 ip6/filter/FORWARD/1"
	if strings.Join(got, " ") != want {
		t.Errorf("chains = %v, want %s", got, want)
	}
	if l := rs.Chains[0].Label(0); l != "nat -A KILO-NAT -d 10.4.0.0/16 -j RETURN" {
		t.Errorf("label = %q", l)
	}
}

func TestDesiredRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []Rule
		want  string // must appear in the error
	}{
		{"bad address", []Rule{NewIPv4Rule("filter", "INPUT", "-s", "10.0.0.300", "-j", "ACCEPT")}, `"filter -A INPUT -s 10.0.0.300 -j ACCEPT"`},
		{"unknown option", []Rule{NewIPv4Rule("filter", "INPUT", "--bogus")}, "--bogus"},
		{"v6 address in v4", []Rule{NewIPv4Rule("filter", "INPUT", "-d", "fd00::1")}, "not an IPv4 address"},
		{"unknown table", []Rule{NewIPv4Rule("nosuch", "INPUT", "-j", "ACCEPT")}, "unknown table"},
		{"jump to undeclared chain", []Rule{NewIPv4Rule("filter", "INPUT", "-j", "KILO-MISSING")}, "KILO-MISSING"},
		{"builtin declared as chain", []Rule{NewIPv4Chain("filter", "INPUT")}, "built-in"},
		{"jump across tables", []Rule{NewIPv4Chain("nat", "X"), NewIPv4Rule("filter", "INPUT", "-j", "X")}, "not a user-defined chain of table filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Desired(tc.rules)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %s", err, tc.want)
			}
		})
	}
}

// fakeEngine records what the controller asks of it.
type fakeEngine struct {
	applied []*firewall.Ruleset
	err     error
	cleaned int
}

func (f *fakeEngine) Name() string { return "fake" }
func (f *fakeEngine) Plan(ctx context.Context, d *firewall.Ruleset) (*firewall.Plan, error) {
	return &firewall.Plan{}, nil
}
func (f *fakeEngine) Apply(ctx context.Context, d *firewall.Ruleset) (*firewall.Plan, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.applied = append(f.applied, d)
	return &firewall.Plan{}, nil
}
func (f *fakeEngine) Read(ctx context.Context) (*firewall.Ruleset, error) {
	return &firewall.Ruleset{}, nil
}
func (f *fakeEngine) CleanUp(ctx context.Context) error { f.cleaned++; return nil }
func (f *fakeEngine) Close() error                      { return nil }

func TestSetValidatesBeforeApplying(t *testing.T) {
	fe := &fakeEngine{}
	c, err := New(WithEngine(fe))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Set([]Rule{
		NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT"),
		NewIPv4Rule("filter", "INPUT", "-p", "tcp", "--dport", "99999"),
	})
	if err == nil || !strings.Contains(err.Error(), "--dport 99999") {
		t.Fatalf("Set error = %v, want one naming the rule", err)
	}
	if len(fe.applied) != 0 {
		t.Fatalf("engine was called %d times despite an invalid rule", len(fe.applied))
	}
	if err := c.Set([]Rule{NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if len(fe.applied) != 2 || fe.applied[0] != fe.applied[1] {
		t.Fatalf("Reconcile should re-apply the desired state set last; applied %d", len(fe.applied))
	}
	if err := c.CleanUp(); err != nil || fe.cleaned != 1 {
		t.Fatalf("CleanUp: %v (cleaned %d)", err, fe.cleaned)
	}
}

func TestSetKeepsDesiredOnEngineError(t *testing.T) {
	fe := &fakeEngine{}
	c, _ := New(WithEngine(fe))
	good := []Rule{NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT")}
	if err := c.Set(good); err != nil {
		t.Fatal(err)
	}
	fe.err = &firewall.RuleError{Rule: "filter -A INPUT -j DROP", Err: errors.New("boom")}
	if err := c.Set([]Rule{NewIPv4Rule("filter", "INPUT", "-j", "DROP")}); err == nil || !strings.Contains(err.Error(), "filter -A INPUT -j DROP") {
		t.Fatalf("error = %v", err)
	}
	fe.err = nil
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	last := fe.applied[len(fe.applied)-1]
	if got := last.Chains[0].Rules[0].Spec.String(); got != "-j ACCEPT" {
		t.Fatalf("after a failed Set, Reconcile applied %q, want the previous state", got)
	}
}

func TestRunReconcilesAndStops(t *testing.T) {
	fe := &fakeEngine{err: errors.New("kernel says no")}
	c, _ := New(WithEngine(fe), WithResyncPeriod(10*time.Millisecond))
	stop := make(chan struct{})
	errs, err := c.Run(stop)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "kernel says no") {
			t.Fatalf("unexpected error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not report the reconcile error")
	}
	close(stop)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-errs:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("Run did not stop")
		}
	}
}

// memClient is an in-memory iptables that lists rules the way iptables -S
// does (normalised spelling), to show that comparison is semantic.
type memClient struct {
	fam    rule.Family
	chains map[string][]string // "table/chain" -> rule lines (iptables -S form)
	calls  int
}

func newMemClient(fam rule.Family) *memClient {
	return &memClient{fam: fam, chains: map[string][]string{"filter/INPUT": nil, "filter/FORWARD": nil, "nat/POSTROUTING": nil}}
}

func (m *memClient) norm(spec []string) (string, error) {
	r, err := rule.Parse(m.fam, spec)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

func (m *memClient) AppendUnique(table, chain string, spec ...string) error {
	m.calls++
	return m.put(table, chain, 0, spec)
}

// put adds a rule unless the chain has it: at position pos (1 is the
// top), at the end for 0.
func (m *memClient) put(table, chain string, pos int, spec []string) error {
	if ok, _ := m.Exists(table, chain, spec...); ok {
		return nil
	}
	s, err := m.norm(spec)
	if err != nil {
		return err
	}
	k := table + "/" + chain
	rules, ok := m.chains[k]
	switch {
	case !ok:
		return errors.New("No chain/target/match by that name")
	case pos == 0:
		pos = len(rules) + 1
	case pos < 0 || pos > len(rules)+1:
		return errors.New("Index of insertion too big")
	}
	m.chains[k] = append(rules[:pos-1:pos-1], append([]string{s}, rules[pos-1:]...)...)
	return nil
}

func (m *memClient) Delete(table, chain string, spec ...string) error {
	m.calls++
	s, _ := m.norm(spec)
	k := table + "/" + chain
	for i, x := range m.chains[k] {
		if x == s {
			m.chains[k] = append(m.chains[k][:i], m.chains[k][i+1:]...)
			return nil
		}
	}
	return errors.New("Bad rule (does a matching rule exist in that chain?)")
}

func (m *memClient) Exists(table, chain string, spec ...string) (bool, error) {
	s, err := m.norm(spec)
	if err != nil {
		return false, err
	}
	for _, x := range m.chains[table+"/"+chain] {
		if x == s {
			return true, nil
		}
	}
	return false, nil
}

func (m *memClient) List(table, chain string) ([]string, error) {
	m.calls++
	rules, ok := m.chains[table+"/"+chain]
	if !ok {
		return nil, errors.New("No chain/target/match by that name")
	}
	out := []string{"-N " + chain}
	for _, r := range rules {
		out = append(out, "-A "+chain+" "+r)
	}
	return out, nil
}

func (m *memClient) ClearChain(table, chain string) error {
	m.chains[table+"/"+chain] = []string{}
	return nil
}

func (m *memClient) DeleteChain(table, chain string) error {
	// As iptables-nft: a chain that a rule jumps to is busy.
	for k, rules := range m.chains {
		for _, r := range rules {
			if t, _, _ := strings.Cut(k, "/"); t == table && strings.HasSuffix(r, "-j "+chain) {
				return errors.New("CHAIN_DEL failed (Device or resource busy): chain " + chain)
			}
		}
	}
	delete(m.chains, table+"/"+chain)
	return nil
}

func (m *memClient) NewChain(table, chain string) error {
	if _, ok := m.chains[table+"/"+chain]; ok {
		return errors.New("Chain already exists")
	}
	m.chains[table+"/"+chain] = []string{}
	return nil
}

func (m *memClient) ListChains(table string) ([]string, error) {
	var out []string
	for k := range m.chains {
		if t, c, _ := strings.Cut(k, "/"); t == table {
			out = append(out, c)
		}
	}
	return out, nil
}

func TestClientEngineIsSemantic(t *testing.T) {
	v4, v6 := newMemClient(rule.IPv4), newMemClient(rule.IPv6)
	c, err := New(WithClients(v4, v6))
	if err != nil {
		t.Fatal(err)
	}
	rules := []Rule{
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
		NewIPv4Rule("nat", "POSTROUTING", "-m", "comment", "--comment", "Kilo: jump", "-s", "10.4.0.0/16", "-j", "KILO-NAT"),
		NewIPv4Rule("filter", "FORWARD", "-p", "tcp", "--dport", "http", "-s", "10.4.0.1", "-j", "ACCEPT"),
	}
	if err := c.Set(rules); err != nil {
		t.Fatal(err)
	}
	if got := v4.chains["filter/FORWARD"]; len(got) != 1 || got[0] != "-s 10.4.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT" {
		t.Fatalf("FORWARD = %q", got)
	}
	// The client lists -s 10.4.0.1/32 and --dport 80; the desired rule
	// says 10.4.0.1 and http. A reconcile must see no difference.
	before := v4.calls
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	for k, v := range v4.chains {
		for _, r := range v {
			if strings.Count(strings.Join(v4.chains[k], "\n"), r) != 1 {
				t.Fatalf("rule %q duplicated in %s", r, k)
			}
		}
	}
	writes := v4.calls - before
	if writes > 3 { // three List calls, no writes
		t.Fatalf("no-op reconcile made %d client calls, want only the 3 lists", writes)
	}
	// Someone deletes the MASQUERADE rule: Reconcile restores it.
	v4.chains["nat/KILO-NAT"] = nil
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := v4.chains["nat/KILO-NAT"]; len(got) != 1 || got[0] != "-j MASQUERADE" {
		t.Fatalf("KILO-NAT after reconcile = %q", got)
	}
	// Set without the FORWARD rule removes it.
	if err := c.Set(rules[:3]); err != nil {
		t.Fatal(err)
	}
	if got := v4.chains["filter/FORWARD"]; len(got) != 0 {
		t.Fatalf("FORWARD after Set = %q, want empty", got)
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if _, ok := v4.chains["nat/KILO-NAT"]; ok || len(v4.chains["nat/POSTROUTING"]) != 0 {
		t.Fatalf("CleanUp left %v", v4.chains)
	}
}

// Kilo rebuilds its whole list for every Set: rules whose text did not
// change must reach the engine as the same parsed rule (the engine then
// recognises them by pointer), changed ones as new ones.
func TestSetReusesParsedRules(t *testing.T) {
	fe := &fakeEngine{}
	c, _ := New(WithEngine(fe))
	build := func(last string) []Rule {
		return []Rule{
			NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.0/16", "-j", "ACCEPT"),
			NewIPv4Rule("filter", "FORWARD", "-d", last, "-j", "DROP"),
		}
	}
	if err := c.Set(build("10.9.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(build("10.9.0.2")); err != nil {
		t.Fatal(err)
	}
	first, second := fe.applied[0].Chains[0].Rules, fe.applied[1].Chains[0].Rules
	if first[0].Spec != second[0].Spec {
		t.Error("an unchanged rule was not reused")
	}
	if first[1].Spec == second[1].Spec || second[1].Spec.String() != "-d 10.9.0.2/32 -j DROP" {
		t.Errorf("the changed rule is %q", second[1].Spec)
	}
	// A failed Set must not poison the cache.
	fe.err = errors.New("refused")
	if err := c.Set(build("10.9.0.3")); err == nil {
		t.Fatal("want an error")
	}
	fe.err = nil
	if err := c.Set(build("10.9.0.2")); err != nil {
		t.Fatal(err)
	}
	if fe.applied[2].Chains[0].Rules[1].Spec != second[1].Spec {
		t.Error("after a failed Set the cache of the last good Set was lost")
	}
}

// TestMetrics: with a registerer, Set/Reconcile/CleanUp durations, errors,
// engine operations and drift repairs are exported.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	fe := &fakeEngine{}
	c, err := New(WithEngine(fe), WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set([]Rule{NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT")}); err != nil {
		t.Fatal(err)
	}
	fe.err = errors.New("refused")
	_ = c.Reconcile()
	c.metrics.Observe("dump", 2)
	c.metrics.Observe("drift", 3)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetValue() + "}"
			}
			switch {
			case m.GetCounter() != nil:
				got[name] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[name] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				got[name] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for name, want := range map[string]float64{
		"nftsync_reconcile_duration_seconds{set}":       1,
		"nftsync_reconcile_duration_seconds{reconcile}": 1,
		"nftsync_errors_total{reconcile}":               1,
		"nftsync_backend_operations_total{dump}":        2,
		"nftsync_drift_repairs_total":                   3,
		"nftsync_desired_rules":                         1,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v (all: %v)", name, got[name], want, got)
		}
	}
	// A second controller cannot register the same metrics twice.
	if _, err := New(WithEngine(fe), WithRegisterer(reg)); err == nil {
		t.Error("registering the metrics twice must fail")
	}
}

// TestDesiredAddressLists checks that a Kilo rule with -s a,b stands for
// one rule per address, as iptables makes of it, each labelled with it.
func TestDesiredAddressLists(t *testing.T) {
	rs, err := Desired([]Rule{NewIPv4Rule("filter", "FORWARD", "-s", "10.0.0.1,10.0.0.2", "-d", "10.1.0.0/16", "-j", "ACCEPT")})
	if err != nil {
		t.Fatal(err)
	}
	c := rs.Chain(rule.IPv4, "filter", "FORWARD")
	if c == nil || len(c.Rules) != 2 {
		t.Fatalf("chain %+v: want 2 rules", c)
	}
	for i, want := range []string{"-s 10.0.0.1/32 -d 10.1.0.0/16 -j ACCEPT", "-s 10.0.0.2/32 -d 10.1.0.0/16 -j ACCEPT"} {
		if got := c.Rules[i].Spec.String(); got != want {
			t.Errorf("rule %d = %q, want %q", i, got, want)
		}
	}
}

// TestDesiredDeduplicates: within a chain, a rule equal in meaning to an
// earlier one is left out (Kilo adds with AppendUnique); the same rule in
// another chain or family is kept.
func TestDesiredDeduplicates(t *testing.T) {
	rs, err := Desired([]Rule{
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.1/24", "-j", "RETURN"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
		NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.2/24", "-j", "RETURN"),
		NewIPv4Rule("nat", "POSTROUTING", "-d", "10.5.0.0/24", "-j", "RETURN"),
		NewIPv6Rule("nat", "POSTROUTING", "-d", "fd00::/64", "-j", "RETURN"),
		NewIPv6Rule("nat", "POSTROUTING", "-d", "fd00::1/64", "-j", "RETURN"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range rs.Chains {
		for _, r := range c.Rules {
			got = append(got, c.Family.String()+" "+c.Name+" "+r.Spec.String())
		}
	}
	want := []string{
		"ip KILO-NAT -d 10.5.0.0/24 -j RETURN",
		"ip KILO-NAT -j MASQUERADE",
		"ip POSTROUTING -d 10.5.0.0/24 -j RETURN",
		"ip6 POSTROUTING -d fd00::/64 -j RETURN",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDesiredPlaced: prepended rules come first in their chain, the last
// prepended at the top, and Head counts them; a prepended rule equal to an
// appended one of its chain is left out, as InsertUnique leaves it out.
func TestDesiredPlaced(t *testing.T) {
	rs, err := DesiredPlaced([]Rule{
		NewIPv4Rule("filter", "FORWARD", "-s", "10.5.0.0/16", "-j", "DROP"),
		NewIPv4Rule("filter", "FORWARD", "-s", "10.6.0.0/16", "-j", "DROP"),
		NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.1/16", "-j", "ACCEPT"),
		NewIPv4Rule("filter", "FORWARD", "-s", "10.6.0.0/16", "-j", "DROP"),
	}, []Rule{
		NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.0/16", "-j", "ACCEPT"),
		NewIPv4Rule("filter", "FORWARD", "-d", "10.4.0.0/16", "-j", "ACCEPT"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Chains) != 1 {
		t.Fatalf("%d chains, want 1", len(rs.Chains))
	}
	c := rs.Chains[0]
	var got []string
	for _, r := range c.Rules {
		got = append(got, r.Spec.String())
	}
	want := []string{"-s 10.6.0.0/16 -j DROP", "-s 10.5.0.0/16 -j DROP", "-s 10.4.0.0/16 -j ACCEPT", "-d 10.4.0.0/16 -j ACCEPT"}
	if strings.Join(got, "|") != strings.Join(want, "|") || c.Head != 2 {
		t.Errorf("FORWARD = %q with Head %d, want %q with Head 2", got, c.Head, want)
	}
}
