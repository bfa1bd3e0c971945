package controller

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// TestClientEnginePlanAndRead: with WithClients, Plan lists what Set would
// do without writing, Current reads the managed chains back through the
// clients, and a Plan after Set is empty.
func TestClientEnginePlanAndRead(t *testing.T) {
	v4, v6 := newMemClient(rule.IPv4), newMemClient(rule.IPv6)
	c, err := New(WithClients(v4, v6))
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend() != "clients" {
		t.Errorf("Backend() = %q, want clients", c.Backend())
	}
	rules := []Rule{
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
		NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-j", "KILO-NAT"),
	}
	p, err := c.Plan(rules)
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []firewall.Op{firewall.AddChain, firewall.AddRule, firewall.AddRule}
	if len(p.Changes) != len(wantOps) {
		t.Fatalf("Plan = %v, want ops %v", p.Changes, wantOps)
	}
	for i, op := range wantOps {
		if p.Changes[i].Op != op {
			t.Errorf("change %d is %s, want %s", i, p.Changes[i].Op, op)
		}
	}
	if _, ok := v4.chains["nat/KILO-NAT"]; ok || len(v4.chains["nat/POSTROUTING"]) != 0 {
		t.Fatalf("Plan wrote: %v", v4.chains)
	}
	if err := c.Set(rules); err != nil {
		t.Fatal(err)
	}
	got, err := c.Current()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"KILO-NAT":    "-j MASQUERADE",
		"POSTROUTING": "-s 10.4.0.0/16 -j KILO-NAT",
	}
	for name, r := range want {
		ch := got.Chain(rule.IPv4, "nat", name)
		if ch == nil || len(ch.Rules) != 1 || ch.Rules[0].Spec.String() != r {
			t.Errorf("Current: chain %s = %+v, want the one rule %q", name, ch, r)
		}
	}
	if p, err := c.Plan(rules); err != nil || !p.Empty() {
		t.Errorf("Plan after Set = %v, %v; want empty", p, err)
	}
	if _, err := New(WithClients(v4, nil)); err == nil {
		t.Error("WithClients without an IPv6 client accepted")
	}
}

// TestClientEngineDuplicatesAndCleanUp: rules equal in meaning within a
// chain are added once and cost nothing on later reconciles (they used to
// be deleted and re-added every time), and CleanUp deletes the jump before
// the chain it jumps to, whatever the order the chains were declared in.
func TestClientEngineDuplicatesAndCleanUp(t *testing.T) {
	v4, v6 := newMemClient(rule.IPv4), newMemClient(rule.IPv6)
	c, err := New(WithClients(v4, v6))
	if err != nil {
		t.Fatal(err)
	}
	rules := []Rule{
		NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-j", "KILO-NAT"),
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.1/24", "-j", "RETURN"),
		NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.2/24", "-j", "RETURN"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
	}
	if err := c.Set(rules); err != nil {
		t.Fatal(err)
	}
	if got := v4.chains["nat/KILO-NAT"]; len(got) != 2 || got[0] != "-d 10.5.0.0/24 -j RETURN" {
		t.Fatalf("KILO-NAT = %q, want the RETURN once, then MASQUERADE", got)
	}
	before := v4.calls
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := v4.calls - before; n != 2 { // List POSTROUTING, List KILO-NAT
		t.Errorf("no-op reconcile made %d calls, want the 2 lists", n)
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if _, ok := v4.chains["nat/KILO-NAT"]; ok || len(v4.chains["nat/POSTROUTING"]) != 0 {
		t.Fatalf("CleanUp left %v", v4.chains)
	}
}

// TestClientEngineNeedsInsertForHead: a chain with prepended rules needs a
// client that can insert; without one the Set fails and names the chain.
func TestClientEngineNeedsInsertForHead(t *testing.T) {
	v4, v6 := newMemClient(rule.IPv4), newMemClient(rule.IPv6)
	c, err := New(WithClients(v4, v6))
	if err != nil {
		t.Fatal(err)
	}
	err = c.SetPlaced([]Rule{NewIPv4Rule("filter", "FORWARD", "-s", "10.4.0.0/16", "-j", "ACCEPT")}, nil)
	if err == nil || !strings.Contains(err.Error(), "FORWARD") || !strings.Contains(err.Error(), "InsertUnique") {
		t.Fatalf("SetPlaced = %v, want an error about inserting in FORWARD", err)
	}
}

// TestClientEngineReadOwnedPart: Current shows, of a built-in chain the
// clients share with others, only the rules the controller applied, with
// Head counting those before the first foreign rule; a chain of its own
// shows whatever it holds.
func TestClientEngineReadOwnedPart(t *testing.T) {
	v4, v6 := &insertClient{newMemClient(rule.IPv4)}, &insertClient{newMemClient(rule.IPv6)}
	if err := v4.AppendUnique("filter", "FORWARD", "-s", "1.1.1.1/32", "-j", "DROP"); err != nil {
		t.Fatal(err)
	}
	c, err := New(WithClients(v4, v6))
	if err != nil {
		t.Fatal(err)
	}
	prepend := []Rule{NewIPv4Rule("filter", "FORWARD", "-i", "kilo0", "-j", "ACCEPT")}
	appended := []Rule{
		NewIPv4Chain("filter", "KILO-IPIP"),
		NewIPv4Rule("filter", "KILO-IPIP", "-j", "DROP"),
		NewIPv4Rule("filter", "FORWARD", "-o", "kilo0", "-j", "ACCEPT"),
	}
	if err := c.SetPlaced(prepend, appended); err != nil {
		t.Fatal(err)
	}
	if err := v4.AppendUnique("filter", "KILO-IPIP", "-s", "2.2.2.2/32", "-j", "ACCEPT"); err != nil {
		t.Fatal(err)
	}
	got, err := c.Current()
	if err != nil {
		t.Fatal(err)
	}
	fwd := got.Chain(rule.IPv4, "filter", "FORWARD")
	if fwd == nil || chainRules(fwd) != "-i kilo0 -j ACCEPT\n-o kilo0 -j ACCEPT\n" || fwd.Head != 1 {
		t.Errorf("FORWARD = %+v, want kilo0's two rules, Head 1", fwd)
	}
	own := got.Chain(rule.IPv4, "filter", "KILO-IPIP")
	if own == nil || chainRules(own) != "-j DROP\n-s 2.2.2.2/32 -j ACCEPT\n" {
		t.Errorf("KILO-IPIP = %+v, want both of its rules", own)
	}
}

// chainRules is a chain's rules, one a line.
func chainRules(c *firewall.Chain) string {
	var b strings.Builder
	for _, r := range c.Rules {
		b.WriteString(r.Spec.String() + "\n")
	}
	return b.String()
}

// insertClient is a memClient that can also insert, as go-iptables can.
type insertClient struct{ *memClient }

func (m *insertClient) InsertUnique(table, chain string, pos int, spec ...string) error {
	m.calls++
	return m.put(table, chain, pos, spec)
}
