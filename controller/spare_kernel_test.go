package controller

import (
	"fmt"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestSetSpares: Sets one after another, each rebuilding the list with one
// rule different (segments of 4, so that the engine's layout and hints
// are exercised), fill the slices of the Set before the last; a Set the
// kernel refuses in between leaves its slices to no later Set. After every
// Set the kernel holds exactly the list (a plan of it is empty, and the
// engine's reading of it is the desired state).
func TestSetSpares(t *testing.T) {
	ns := netnstest.New(t)
	c, err := New(WithNetNS(ns.Path), WithBackend(BackendNFTables), WithSegments(4))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list := func(k int, bad bool) []Rule {
		rules := []Rule{NewIPv4Chain("filter", "BIG"), NewIPv4Rule("filter", "FORWARD", "-j", "BIG")}
		for i := 0; i < 30; i++ {
			spec := []string{"-s", fmt.Sprintf("10.0.0.%d", i), "-j", "ACCEPT"}
			if i == (k*7)%30 {
				spec = []string{"-s", fmt.Sprintf("192.0.2.%d", k), "-j", "DROP"}
			}
			rules = append(rules, NewIPv4Rule("filter", "BIG", spec...))
		}
		if bad {
			// Valid to the controller, refused by the kernel.
			rules = append(rules, NewIPv4Rule("filter", "FORWARD", "-j", "MASQUERADE"))
		}
		return rules
	}
	check := func(k int, rules []Rule) {
		t.Helper()
		if p, err := c.Plan(rules); err != nil || !p.Empty() {
			t.Errorf("Set %d: plan after it: %v %v", k, p, err)
		}
		want, err := Desired(rules)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Current()
		if err != nil {
			t.Fatal(err)
		}
		if g, w := chainsText(got), chainsText(want); g != w {
			t.Errorf("Set %d: the kernel holds\n%s\nwant\n%s", k, g, w)
		}
	}
	for k := 1; k <= 12; k++ {
		bad := k == 5 || k == 9
		rules := list(k, bad)
		err := c.Set(rules)
		if bad {
			if err == nil {
				t.Fatalf("Set %d with MASQUERADE in filter: accepted", k)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Set %d: %v", k, err)
		}
		check(k, rules)
	}
}

// chainsText prints a Ruleset's chains and rules in order.
func chainsText(rs *firewall.Ruleset) string {
	s := ""
	for _, c := range rs.Chains {
		s += fmt.Sprintf("%s %s %s:", c.Family, c.Table, c.Name)
		for _, r := range c.Rules {
			s += " " + r.Spec.String() + ";"
		}
		s += "\n"
	}
	return s
}
