package controller

import (
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
