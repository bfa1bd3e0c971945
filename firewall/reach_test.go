package firewall

import (
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestValidateHooksUnreachedJump: iptables does not check the hooks of a
// chain jumped to only after an unconditional ACCEPT, DROP or RETURN
// (mark_source_chains stops there), and neither does xt_policy, whose
// hooks depend on --dir, under nftables (iptables-nft accepts the
// ruleset). An extension with fixed hooks is checked by nftables along
// every jump, reached or not, and stays refused (iptables-nft refuses it
// too).
func TestValidateHooksUnreachedJump(t *testing.T) {
	v4 := rule.IPv4
	policyIn := "-m policy --dir in --pol none -j ACCEPT"
	for _, tc := range []struct {
		name   string
		chains []*Chain
		want   string
	}{
		{"policy --dir in after an unconditional ACCEPT", []*Chain{
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-j ACCEPT"), mustRule(t, v4, "-j U")}},
			{Family: v4, Table: "filter", Name: "U", Rules: []Rule{mustRule(t, v4, policyIn)}},
		}, ""},
		{"policy --dir in after a RETURN, two jumps", []*Chain{
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-j V")}},
			{Family: v4, Table: "filter", Name: "V", Rules: []Rule{mustRule(t, v4, "-j RETURN"), mustRule(t, v4, "-j U")}},
			{Family: v4, Table: "filter", Name: "U", Rules: []Rule{mustRule(t, v4, policyIn)}},
		}, ""},
		{"policy --dir in after a conditional ACCEPT", []*Chain{
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-p tcp -j ACCEPT"), mustRule(t, v4, "-j U")}},
			{Family: v4, Table: "filter", Name: "U", Rules: []Rule{mustRule(t, v4, policyIn)}},
		}, "used from OUTPUT"},
		{"policy --dir in after an ACCEPT with a comment", []*Chain{
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-m comment --comment x -j ACCEPT"), mustRule(t, v4, "-j U")}},
			{Family: v4, Table: "filter", Name: "U", Rules: []Rule{mustRule(t, v4, policyIn)}},
		}, "used from OUTPUT"},
		{"owner after an unconditional ACCEPT from INPUT", []*Chain{
			{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, v4, "-j ACCEPT"), mustRule(t, v4, "-j U")}},
			{Family: v4, Table: "filter", Name: "U", Rules: []Rule{mustRule(t, v4, "-m owner ! --uid-owner 5")}},
		}, "used from INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantValidate(t, tc.chains, tc.want) })
	}
}
