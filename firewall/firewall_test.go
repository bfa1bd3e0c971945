package firewall

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

func mustRule(t *testing.T, fam rule.Family, s string) Rule {
	t.Helper()
	r, err := rule.ParseString(fam, s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return Rule{Spec: r}
}

func TestValidate(t *testing.T) {
	v4 := rule.IPv4
	for _, tc := range []struct {
		name   string
		chains []*Chain
		want   string // "" = valid; else a substring of the error
	}{
		{"jump to declared chain", []*Chain{
			{Family: v4, Table: "nat", Name: "KILO-NAT"},
			{Family: v4, Table: "nat", Name: "POSTROUTING", Rules: []Rule{mustRule(t, v4, "-j KILO-NAT")}},
		}, ""},
		{"jump to undeclared chain", []*Chain{
			{Family: v4, Table: "nat", Name: "POSTROUTING", Rules: []Rule{mustRule(t, v4, "-j KILO-NAT")}},
		}, "jumps to chain KILO-NAT"},
		{"jump to chain of the other family", []*Chain{
			{Family: rule.IPv6, Table: "nat", Name: "KILO-NAT"},
			{Family: v4, Table: "nat", Name: "POSTROUTING", Rules: []Rule{mustRule(t, v4, "-j KILO-NAT")}},
		}, "jumps to chain KILO-NAT"},
		{"duplicate chain", []*Chain{
			{Family: v4, Table: "filter", Name: "X"}, {Family: v4, Table: "filter", Name: "X"},
		}, "declared twice"},
		{"policy on user chain", []*Chain{{Family: v4, Table: "filter", Name: "X", Policy: "DROP"}}, "only built-in chains"},
		{"bad policy", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Policy: "REJECT"}}, "policy must be"},
		{"unknown table", []*Chain{{Family: v4, Table: "bogus", Name: "X"}}, "unknown table"},
		{"-o in INPUT", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, v4, "-o eth0 -j ACCEPT")}}}, "-o cannot be used in the INPUT chain"},
		{"-i in POSTROUTING", []*Chain{{Family: v4, Table: "nat", Name: "POSTROUTING", Rules: []Rule{mustRule(t, v4, "-i eth0 -j ACCEPT")}}}, "-i cannot be used"},
		{"rule of the other family", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, rule.IPv6, "-j ACCEPT")}}}, "other address family"},
		{"rule without a parsed rule", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{{Label: "x"}}}}, "has no parsed rule"},
		{"-i in user chain", []*Chain{{Family: v4, Table: "filter", Name: "X", Rules: []Rule{mustRule(t, v4, "-i eth0 -o eth1 -j ACCEPT")}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantValidate(t, tc.chains, tc.want) })
	}
}

// wantValidate checks that Validate accepts chains (want "") or fails with
// an error containing want.
func wantValidate(t *testing.T, chains []*Chain, want string) {
	t.Helper()
	err := (&Ruleset{Chains: chains}).Validate()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
}

func TestChangeString(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{Change{Op: AddRule, Chain: "FORWARD", Rule: "-s 10.0.0.0/8 -j ACCEPT"}, "+ -A FORWARD -s 10.0.0.0/8 -j ACCEPT"},
		{Change{Op: DeleteRule, Chain: "FORWARD", Rule: "-j DROP"}, "- -A FORWARD -j DROP"},
		{Change{Op: AddChain, Chain: "KILO-NAT"}, "+ -N KILO-NAT"},
		{Change{Op: DeleteChain, Chain: "KILO-NAT"}, "- -X KILO-NAT"},
		{Change{Op: SetPolicy, Chain: "INPUT", Rule: "DROP"}, "~ -P INPUT DROP"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	if !(&Plan{}).Empty() || (&Plan{Changes: []Change{{Op: AddChain}}}).Empty() {
		t.Error("Plan.Empty is wrong")
	}
}

func TestLabel(t *testing.T) {
	c := &Chain{Family: rule.IPv4, Table: "nat", Name: "POSTROUTING", Rules: []Rule{mustRule(t, rule.IPv4, "-s 10.4.0.0/16 -j MASQUERADE")}}
	if got := c.Label(0); got != "nat -A POSTROUTING -s 10.4.0.0/16 -j MASQUERADE" {
		t.Errorf("Label = %q", got)
	}
	c.Rules[0].Label = "rules.v4:7: -A POSTROUTING -j MASQUERADE"
	if got := c.Label(0); got != c.Rules[0].Label {
		t.Errorf("Label = %q, want the explicit label", got)
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	var o Observer = &c
	o.Observe("dump", 2)
	o.Observe("dump", 1)
	o.Observe("batch", 1)
	if c.Get("dump") != 3 || c.Get("batch") != 1 || c.Get("getgen") != 0 {
		t.Fatalf("counts: dump %d batch %d", c.Get("dump"), c.Get("batch"))
	}
	if got := c.Take(); got["dump"] != 3 || len(got) != 2 {
		t.Fatalf("Take = %v", got)
	}
	if c.Get("dump") != 0 {
		t.Fatal("Take did not reset")
	}
}
