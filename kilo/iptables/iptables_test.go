package iptables_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/kilo/iptables"
	"github.com/nftsync/nftsync/rule"
)

// The rules of Kilo's own tests: two to append and two to prepend, all in
// filter FORWARD.
var (
	appendRules = []iptables.Rule{
		iptables.NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.0/16", "-j", "ACCEPT"),
		iptables.NewIPv4Rule("filter", "FORWARD", "-d", "10.4.0.0/16", "-j", "ACCEPT"),
	}
	prependRules = []iptables.Rule{
		iptables.NewIPv4Rule("filter", "FORWARD", "-s", "10.5.0.0/16", "-j", "DROP"),
		iptables.NewIPv4Rule("filter", "FORWARD", "-s", "10.6.0.0/16", "-j", "DROP"),
	}
)

// ruleSet builds a RuleSet through the public API.
func ruleSet(prepend, append []iptables.Rule) iptables.RuleSet {
	var rs iptables.RuleSet
	for _, r := range append {
		rs.AddToAppend(r)
	}
	for _, r := range prepend {
		rs.AddToPrepend(r)
	}
	return rs
}

// newController returns a controller over two fake clients.
func newController(t *testing.T, opts ...iptables.ControllerOption) (*iptables.Controller, *fakeClient, *fakeClient) {
	t.Helper()
	v4, v6 := newFakeClient(rule.IPv4), newFakeClient(rule.IPv6)
	c, err := iptables.New(append([]iptables.ControllerOption{iptables.WithClients(v4, v6)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, v4, v6
}

// specs returns what the fake lists for rules (all in one chain).
func specs(t *testing.T, rules ...iptables.Rule) []string {
	t.Helper()
	out := []string{}
	for _, r := range rules {
		// String is "TABLE -A CHAIN ARGS"; the fake lists ARGS normalised.
		fields := strings.Fields(r.String())
		n, err := rule.Parse(rule.IPv4, fields[3:])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n.String())
	}
	return out
}

// TestSet covers the cases of Kilo's TestSet: one or more Sets, then
// changes made behind the controller's back, then a reconcile; the chain
// must hold exactly the last set's rules, prepends first (the last
// prepended at the top), appends in order.
func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sets    []iptables.RuleSet
		actions []func(iptables.Client) error
		want    []iptables.Rule
	}{
		{name: "empty"},
		{
			name: "single",
			sets: []iptables.RuleSet{ruleSet(nil, appendRules[:1])},
			want: appendRules[:1],
		},
		{
			name: "two rules",
			sets: []iptables.RuleSet{ruleSet(nil, appendRules)},
			want: appendRules,
		},
		{
			name: "multiple",
			sets: []iptables.RuleSet{ruleSet(nil, appendRules), ruleSet(nil, appendRules[1:])},
			want: appendRules[1:],
		},
		{
			name: "re-add",
			sets: []iptables.RuleSet{ruleSet(nil, appendRules)},
			actions: []func(iptables.Client) error{
				appendRules[0].Delete,
				appendRules[1].Delete,
			},
			want: appendRules,
		},
		{
			name:    "order",
			sets:    []iptables.RuleSet{ruleSet(nil, appendRules)},
			actions: []func(iptables.Client) error{appendRules[0].Delete},
			want:    appendRules,
		},
		{
			name: "append and prepend",
			sets: []iptables.RuleSet{ruleSet(prependRules, appendRules)},
			want: []iptables.Rule{prependRules[1], prependRules[0], appendRules[0], appendRules[1]},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, v4, _ := newController(t)
			for i, s := range tc.sets {
				if err := c.Set(s); err != nil {
					t.Fatalf("set %d: %v", i, err)
				}
			}
			for i, f := range tc.actions {
				if err := f(v4); err != nil {
					t.Fatalf("action %d: %v", i, err)
				}
			}
			if err := c.Reconcile(); err != nil {
				t.Fatal(err)
			}
			if got, want := v4.rules("filter", "FORWARD"), specs(t, tc.want...); !reflect.DeepEqual(got, want) {
				t.Errorf("FORWARD = %q, want %q", got, want)
			}
			if n := v4.count(); n != len(tc.want) {
				t.Errorf("%d rules in the client, want %d", n, len(tc.want))
			}
			// Reconciling again changes nothing.
			v4.resetCalls()
			if err := c.Reconcile(); err != nil {
				t.Fatal(err)
			}
			if w := v4.writes(); w != 0 {
				t.Errorf("a second reconcile made %d changes: %v", w, v4.calls)
			}
		})
	}
}

// TestCleanUp covers Kilo's TestCleanUp: after Set the client holds every
// rule, after CleanUp none.
func TestCleanUp(t *testing.T) {
	for _, tc := range []struct {
		name             string
		appends, prepend []iptables.Rule
	}{
		{name: "empty"},
		{name: "single append", appends: appendRules[:1]},
		{name: "multiple append", appends: appendRules},
		{name: "multiple append and prepend", appends: appendRules, prepend: prependRules},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, v4, _ := newController(t)
			if err := c.Set(ruleSet(tc.prepend, tc.appends)); err != nil {
				t.Fatal(err)
			}
			if n, want := v4.count(), len(tc.appends)+len(tc.prepend); n != want {
				t.Errorf("after Set: %d rules, want %d", n, want)
			}
			if err := c.CleanUp(); err != nil {
				t.Fatal(err)
			}
			if n := v4.count(); n != 0 {
				t.Errorf("after CleanUp: %d rules, want none", n)
			}
		})
	}
}

// TestReconcile covers Kilo's TestReconcile: rules lost behind the
// controller's back come back in place, prepends first.
func TestReconcile(t *testing.T) {
	c, v4, _ := newController(t)
	if err := c.Set(ruleSet(prependRules, appendRules)); err != nil {
		t.Fatal(err)
	}
	if err := v4.ClearChain("filter", "FORWARD"); err != nil {
		t.Fatal(err)
	}
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	want := specs(t, prependRules[1], prependRules[0], appendRules[0], appendRules[1])
	if got := v4.rules("filter", "FORWARD"); !reflect.DeepEqual(got, want) {
		t.Errorf("FORWARD = %q, want %q", got, want)
	}
}

// TestPrependGoesAboveOthers: in a chain shared with other programs,
// prepended rules go above the others' rules and appended ones below, and
// when a prepended rule is lost only it comes back, at the top.
func TestPrependGoesAboveOthers(t *testing.T) {
	c, v4, _ := newController(t)
	v4.put("filter", "FORWARD", "-j", "DROP")
	if err := c.Set(ruleSet(prependRules, appendRules)); err != nil {
		t.Fatal(err)
	}
	drop := specs(t, iptables.NewIPv4Rule("filter", "FORWARD", "-j", "DROP"))[0]
	want := specs(t, prependRules[1], prependRules[0], appendRules[0], appendRules[1])
	want = append(want[:2:2], append([]string{drop}, want[2:]...)...)
	if got := v4.rules("filter", "FORWARD"); !reflect.DeepEqual(got, want) {
		t.Fatalf("FORWARD = %q, want %q", got, want)
	}
	if err := prependRules[0].Delete(v4); err != nil {
		t.Fatal(err)
	}
	v4.resetCalls()
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := v4.rules("filter", "FORWARD"); !reflect.DeepEqual(got, want) {
		t.Errorf("after reconcile FORWARD = %q, want %q", got, want)
	}
	if v4.calls["InsertUnique"] != 1 || v4.calls["Delete"] != 0 || v4.calls["AppendUnique"] != 0 {
		t.Errorf("repairing one prepended rule took %v, want one InsertUnique", v4.calls)
	}
	// CleanUp leaves the other program's rule alone.
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if got := v4.rules("filter", "FORWARD"); !reflect.DeepEqual(got, []string{drop}) {
		t.Errorf("after CleanUp FORWARD = %q, want only %q", got, drop)
	}
}

// TestReconcileReads covers what Kilo's TestRuleCache checks of its lazy
// cache: whether a rule or chain exists is answered right (rules that
// another program put there count, a rule in a chain shows the chain
// exists, a chain check does not stand for other chains of its table), and
// every chain is read once per Set or reconcile, whatever the number of
// rules in it. Kilo's cache reads a table's chains with ListChains; this
// controller reads each chain with List, whose error tells a missing chain.
func TestReconcileReads(t *testing.T) {
	a0 := []string{"-s", "10.4.0.0/16", "-j", "ACCEPT"}
	a1 := []string{"-d", "10.4.0.0/16", "-j", "ACCEPT"}
	type put struct {
		table, chain string
		spec         []string // nil: the chain itself
	}
	for _, tc := range []struct {
		name  string
		have  []put           // what the client holds before
		want  []iptables.Rule // what is set
		reads int             // List calls of the Set
		added int             // rules and chains added by the Set
	}{
		{name: "empty", want: []iptables.Rule{appendRules[0]}, reads: 1, added: 1},
		{name: "single negative", have: []put{{"filter", "FORWARD", a1}}, want: []iptables.Rule{appendRules[0]}, reads: 1, added: 1},
		{name: "single positive", have: []put{{"filter", "FORWARD", a1}}, want: []iptables.Rule{appendRules[1]}, reads: 1, added: 0},
		{name: "single chain", have: []put{{"nat", "KILO-NAT", nil}}, want: []iptables.Rule{iptables.NewIPv4Chain("nat", "KILO-NAT")}, reads: 1, added: 0},
		{
			name:  "rule on chain means chain exists",
			have:  []put{{"filter", "KILO-A", nil}, {"filter", "KILO-A", a0}},
			want:  []iptables.Rule{iptables.NewIPv4Chain("filter", "KILO-A"), iptables.NewIPv4Rule("filter", "KILO-A", a0...)},
			reads: 1, added: 0,
		},
		{
			name: "rule on chain does not mean table is fully populated",
			have: []put{{"filter", "KILO-A", nil}, {"filter", "KILO-A", a0}, {"filter", "KILO-C", nil}},
			want: []iptables.Rule{
				iptables.NewIPv4Chain("filter", "KILO-A"), iptables.NewIPv4Rule("filter", "KILO-A", a0...),
				iptables.NewIPv4Chain("filter", "KILO-B"), iptables.NewIPv4Chain("filter", "KILO-C"),
			},
			reads: 3, added: 1,
		},
		{
			name:  "multiple rules on chain",
			have:  []put{{"filter", "FORWARD", a0}, {"filter", "FORWARD", a1}},
			want:  appendRules,
			reads: 1, added: 0,
		},
		{
			name:  "checking rule on chain does not mean chain exists",
			want:  []iptables.Rule{iptables.NewIPv4Chain("filter", "KILO-A"), iptables.NewIPv4Rule("filter", "KILO-A", a0...)},
			reads: 1, added: 2,
		},
		{
			name:  "multiple chains on same table",
			want:  []iptables.Rule{iptables.NewIPv4Chain("filter", "KILO-A"), iptables.NewIPv4Chain("filter", "KILO-B")},
			reads: 2, added: 2,
		},
		{
			name:  "multiple chains on different table",
			want:  []iptables.Rule{iptables.NewIPv4Chain("filter", "KILO-A"), iptables.NewIPv4Chain("nat", "KILO-B")},
			reads: 2, added: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, v4, _ := newController(t)
			for _, p := range tc.have {
				v4.put(p.table, p.chain, p.spec...)
			}
			before := v4.count() + len(v4.userChains())
			v4.resetCalls()
			if err := c.Set(ruleSet(nil, tc.want)); err != nil {
				t.Fatal(err)
			}
			if r := v4.reads(); r != tc.reads || v4.calls["List"] != tc.reads {
				t.Errorf("Set read %v, want %d List calls and nothing else", v4.calls, tc.reads)
			}
			if added := v4.count() + len(v4.userChains()) - before; added != tc.added {
				t.Errorf("Set added %d rules and chains, want %d", added, tc.added)
			}
			for _, r := range tc.want {
				if ok, err := r.Exists(v4); err != nil || !ok {
					t.Errorf("%s: Exists = %v, %v after Set", r, ok, err)
				}
			}
			v4.resetCalls()
			if err := c.Reconcile(); err != nil {
				t.Fatal(err)
			}
			if v4.writes() != 0 || v4.calls["List"] != tc.reads {
				t.Errorf("no-op reconcile made %v, want %d List calls only", v4.calls, tc.reads)
			}
		})
	}
}

// TestDuplicatesInstalledOnce: rules equal in meaning within a chain are
// one rule, as Kilo's AppendUnique and InsertUnique make them, and
// reconciling them costs no change at all.
func TestDuplicatesInstalledOnce(t *testing.T) {
	c, v4, _ := newController(t)
	var rs iptables.RuleSet
	rs.AddToAppend(iptables.NewIPv4Chain("nat", "KILO-NAT"))
	// Two spellings of 10.5.0.0/24, as Kilo writes them for two nodes.
	rs.AddToPrepend(iptables.NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.1/24", "-j", "RETURN"))
	rs.AddToPrepend(iptables.NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.2/24", "-j", "RETURN"))
	rs.AddToAppend(iptables.NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"))
	rs.AddToAppend(iptables.NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"))
	if err := c.Set(rs); err != nil {
		t.Fatal(err)
	}
	want := []string{"-d 10.5.0.0/24 -j RETURN", "-j MASQUERADE"}
	if got := v4.rules("nat", "KILO-NAT"); !reflect.DeepEqual(got, want) {
		t.Fatalf("KILO-NAT = %q, want %q", got, want)
	}
	v4.resetCalls()
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if v4.writes() != 0 {
		t.Errorf("reconcile made changes: %v", v4.calls)
	}
}

// TestCleanUpDeletesJumpsFirst: a chain that a rule jumps to can only be
// deleted after the jump, whatever the order the rules were given in.
func TestCleanUpDeletesJumpsFirst(t *testing.T) {
	c, v4, v6 := newController(t)
	var rs iptables.RuleSet
	for _, p := range []iptables.Protocol{iptables.ProtocolIPv4, iptables.ProtocolIPv6} {
		src := "10.4.0.0/16"
		if p == iptables.ProtocolIPv6 {
			src = "fd00::/64"
		}
		rs.AddToPrepend(iptables.NewRule(p, "nat", "POSTROUTING", "-s", src, "-j", "KILO-NAT"))
		rs.AddToAppend(iptables.NewRule(p, "nat", "KILO-NAT", "-j", "MASQUERADE"))
	}
	rs.AddToAppend(iptables.NewIPv4Chain("nat", "KILO-NAT"))
	rs.AddToAppend(iptables.NewIPv6Chain("nat", "KILO-NAT"))
	if err := c.Set(rs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*fakeClient{v4, v6} {
		if got := f.userChains(); !reflect.DeepEqual(got, []string{"nat/KILO-NAT"}) || f.count() != 2 {
			t.Fatalf("after Set: chains %v, %d rules", got, f.count())
		}
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*fakeClient{v4, v6} {
		if got := f.userChains(); len(got) != 0 || f.count() != 0 {
			t.Errorf("after CleanUp: chains %v, %d rules", got, f.count())
		}
	}
}

// TestSetRefusesBadRules: an invalid rule is an error naming it, and
// nothing changes.
func TestSetRefusesBadRules(t *testing.T) {
	c, v4, _ := newController(t)
	bad := iptables.NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.300", "-j", "ACCEPT")
	err := c.Set(ruleSet([]iptables.Rule{bad}, appendRules))
	if err == nil || !strings.Contains(err.Error(), bad.String()) {
		t.Fatalf("Set = %v, want an error naming %q", err, bad)
	}
	if v4.writes() != 0 {
		t.Errorf("a refused Set changed the client: %v", v4.calls)
	}
}

func TestGetProtocol(t *testing.T) {
	for _, tc := range []struct {
		ip   net.IP
		want iptables.Protocol
	}{
		{net.ParseIP("10.4.0.1"), iptables.ProtocolIPv4}, // 16 bytes
		{net.ParseIP("10.4.0.1").To4(), iptables.ProtocolIPv4},
		{net.ParseIP("fd00::1"), iptables.ProtocolIPv6},
		{net.ParseIP("::ffff:10.4.0.1"), iptables.ProtocolIPv4},
	} {
		if got := iptables.GetProtocol(tc.ip); got != tc.want {
			t.Errorf("GetProtocol(%v) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

// TestRulesThroughClient: Kilo's per-rule calls reach the client as Kilo's
// do, and String keeps Kilo's format.
func TestRulesThroughClient(t *testing.T) {
	f := newFakeClient(rule.IPv4)
	ch := iptables.NewIPv4Chain("nat", "KILO-NAT")
	jump := iptables.NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT")
	ret := iptables.NewIPv4Rule("nat", "KILO-NAT", "-d", "10.4.0.0/16", "-j", "RETURN")
	masq := iptables.NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE")
	for _, tc := range []struct {
		r    iptables.Rule
		want string
	}{
		{ch, "nat -N KILO-NAT"},
		{jump, `nat -A POSTROUTING -s 10.4.0.0/16 -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	steps := []func(iptables.Client) error{ch.Append, masq.Append, ret.Prepend, jump.Prepend, jump.Append}
	for i, s := range steps {
		if err := s(f); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if got, want := f.rules("nat", "KILO-NAT"), []string{"-d 10.4.0.0/16 -j RETURN", "-j MASQUERADE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("KILO-NAT = %q, want %q", got, want)
	}
	if n := len(f.rules("nat", "POSTROUTING")); n != 1 {
		t.Errorf("POSTROUTING has %d rules, want 1 (Append after Prepend is a no-op)", n)
	}
	for _, r := range []iptables.Rule{ch, jump, ret, masq} {
		if ok, err := r.Exists(f); err != nil || !ok {
			t.Errorf("%s: Exists = %v, %v", r, ok, err)
		}
	}
	for _, r := range []iptables.Rule{jump, ch} {
		if err := r.Delete(f); err != nil {
			t.Fatal(err)
		}
		if ok, _ := r.Exists(f); ok {
			t.Errorf("%s exists after Delete", r)
		}
	}
	if ch.Proto() != iptables.ProtocolIPv4 || iptables.NewIPv6Rule("filter", "INPUT").Proto() != iptables.ProtocolIPv6 {
		t.Error("Proto is wrong")
	}
}

// TestAppendRuleSet: the result holds both sets in order, and adding to
// the first set afterwards does not change it.
func TestAppendRuleSet(t *testing.T) {
	var a, b iptables.RuleSet
	a.AddToAppend(appendRules[0])
	a.AddToPrepend(prependRules[0])
	b.AddToAppend(appendRules[1])
	b.AddToPrepend(prependRules[1])
	ab := a.AppendRuleSet(b)
	a.AddToAppend(iptables.NewIPv4Rule("filter", "FORWARD", "-j", "DROP"))
	c, v4, _ := newController(t)
	if err := c.Set(ab); err != nil {
		t.Fatal(err)
	}
	want := specs(t, prependRules[1], prependRules[0], appendRules[0], appendRules[1])
	if got := v4.rules("filter", "FORWARD"); !reflect.DeepEqual(got, want) {
		t.Errorf("FORWARD = %q, want %q", got, want)
	}
}

// kitLogger records what it is given, as a go-kit logger would print it.
type kitLogger struct{ lines []string }

func (l *kitLogger) Log(kv ...interface{}) error {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, "%v=%v ", kv[i], kv[i+1])
	}
	l.lines = append(l.lines, strings.TrimSpace(b.String()))
	return nil
}

// TestLogger: a go-kit style logger gets the controller's info messages as
// key-value pairs, level and msg first.
func TestLogger(t *testing.T) {
	l := &kitLogger{}
	c, _, _ := newController(t, iptables.WithLogger(l))
	if err := c.Set(ruleSet(nil, appendRules)); err != nil {
		t.Fatal(err)
	}
	if len(l.lines) != 1 || !strings.HasPrefix(l.lines[0], "level=info msg=applied changes ") || !strings.Contains(l.lines[0], "changes=2") {
		t.Errorf("logged %q", l.lines)
	}
}

// countHandler counts the records it is given.
type countHandler struct{ n *int }

func (h countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h countHandler) Handle(context.Context, slog.Record) error { *h.n++; return nil }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h countHandler) WithGroup(string) slog.Handler             { return h }

// TestQuietWithoutLogger: without WithLogger nothing is logged, not even
// to slog's default logger.
func TestQuietWithoutLogger(t *testing.T) {
	n := 0
	old := slog.Default()
	slog.SetDefault(slog.New(countHandler{&n}))
	defer slog.SetDefault(old)
	c, v4, _ := newController(t)
	if err := c.Set(ruleSet(prependRules, appendRules)); err != nil {
		t.Fatal(err)
	}
	_ = v4.ClearChain("filter", "FORWARD")
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d records logged without a logger", n)
	}
}
