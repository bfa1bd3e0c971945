package fake

import (
	"context"
	"errors"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

func mustRules(t *testing.T, fam rule.Family, table, chain string, specs ...string) *firewall.Chain {
	t.Helper()
	c := &firewall.Chain{Family: fam, Table: table, Name: chain}
	for _, s := range specs {
		r, err := rule.ParseString(fam, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: r})
	}
	return c
}

// TestPlanKeepsWhatCanStay: a reordered, edited chain keeps the rules of a
// longest common subsequence (compared by meaning), a stale chain goes with
// its rules, a policy change is one change.
func TestPlanKeepsWhatCanStay(t *testing.T) {
	b := New()
	ctx := context.Background()
	first := &firewall.Ruleset{Chains: []*firewall.Chain{
		mustRules(t, rule.IPv4, "filter", "FORWARD", "-s 10.0.0.1 -j ACCEPT", "-p tcp --dport 22 -j ACCEPT", "-j DROP"),
		mustRules(t, rule.IPv4, "filter", "OLD", "-j RETURN"),
	}}
	if _, err := b.Apply(ctx, first); err != nil {
		t.Fatal(err)
	}
	fwd := mustRules(t, rule.IPv4, "filter", "FORWARD", "-p 6 --dport 22 -j ACCEPT", "-s 10.0.0.2/32 -j ACCEPT", "-j DROP")
	fwd.Policy = "DROP"
	second := &firewall.Ruleset{Chains: []*firewall.Chain{fwd}}
	p, err := b.Plan(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.String())
	}
	want := []string{
		"~ -P FORWARD DROP",
		"- -A FORWARD -s 10.0.0.1/32 -j ACCEPT",
		"+ -A FORWARD -s 10.0.0.2/32 -j ACCEPT",
		"- -A OLD -j RETURN",
		"- -X OLD",
	}
	if len(got) != len(want) {
		t.Fatalf("plan:\n%q\nwant:\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %q, want %q", i, got[i], want[i])
		}
	}
	if _, err := b.Apply(ctx, second); err != nil {
		t.Fatal(err)
	}
	if p, err := b.Apply(ctx, second); err != nil || !p.Empty() {
		t.Errorf("second Apply: %v, %v; want nothing to do", p, err)
	}
}

// TestFailures: FailNext refuses one change and keeps the state; a
// cancelled context and Close are errors.
func TestFailures(t *testing.T) {
	b := New()
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{mustRules(t, rule.IPv6, "nat", "POSTROUTING", "-j MASQUERADE")}}
	refused := errors.New("refused")
	b.FailNext(refused)
	if _, err := b.Apply(context.Background(), rs); !errors.Is(err, refused) {
		t.Fatalf("Apply after FailNext: %v", err)
	}
	if got := b.Dump(rule.IPv6); got != "" {
		t.Errorf("a refused Apply changed the state:\n%s", got)
	}
	if _, err := b.Apply(context.Background(), rs); err != nil {
		t.Fatalf("FailNext lasted beyond one call: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.CleanUp(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("CleanUp with a cancelled context: %v", err)
	}
	if cur, _ := b.Read(context.Background()); len(cur.Chains) != 1 {
		t.Errorf("state after a cancelled CleanUp: %+v", cur.Chains)
	}
	b.Close()
	if _, err := b.Read(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}
