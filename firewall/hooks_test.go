package firewall

import (
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestValidateHooks checks that a rule is refused where the kernel refuses
// its extension (xt_owner: OUTPUT and POSTROUTING only), in a built-in
// chain or in a user chain reached from one, as iptables refuses it.
func TestValidateHooks(t *testing.T) {
	v4 := rule.IPv4
	owner := "-m owner ! --uid-owner 5 -j ACCEPT"
	for _, tc := range []struct {
		name   string
		chains []*Chain
		want   string // "" = valid; else a substring of the error
	}{
		{"owner in OUTPUT", []*Chain{{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, owner)}}}, ""},
		{"owner in POSTROUTING", []*Chain{{Family: v4, Table: "mangle", Name: "POSTROUTING", Rules: []Rule{mustRule(t, v4, owner)}}}, ""},
		{"owner in INPUT", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, v4, owner)}}},
			"used from INPUT but the kernel accepts it only from OUTPUT/POSTROUTING"},
		{"native owner in FORWARD", []*Chain{{Family: v4, Table: "filter", Name: "FORWARD", Rules: []Rule{mustRule(t, v4, "-m owner --uid-owner 5")}}},
			"used from FORWARD"},
		{"owner in a user chain jumped to from OUTPUT", []*Chain{
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-j A")}},
			{Family: v4, Table: "filter", Name: "A", Rules: []Rule{mustRule(t, v4, owner)}},
		}, ""},
		{"owner two jumps from INPUT", []*Chain{
			{Family: v4, Table: "filter", Name: "B", Rules: []Rule{mustRule(t, v4, owner)}},
			{Family: v4, Table: "filter", Name: "A", Rules: []Rule{mustRule(t, v4, "-j B")}},
			{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-j A")}},
			{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, v4, "-g A")}},
		}, "used from INPUT"},
		{"policy --dir out in INPUT", []*Chain{{Family: v4, Table: "filter", Name: "INPUT", Rules: []Rule{mustRule(t, v4, "-m policy --dir out --pol ipsec")}}},
			"--dir out --pol ipsec is used from INPUT"},
		{"policy --dir in in OUTPUT", []*Chain{{Family: v4, Table: "filter", Name: "OUTPUT", Rules: []Rule{mustRule(t, v4, "-m policy --dir in --pol none")}}},
			"used from OUTPUT"},
		{"policy --dir out in FORWARD", []*Chain{{Family: v4, Table: "filter", Name: "FORWARD", Rules: []Rule{mustRule(t, v4, "-m policy --dir out")}}}, ""},
		{"owner in an unreachable user chain", []*Chain{
			{Family: v4, Table: "filter", Name: "A", Rules: []Rule{mustRule(t, v4, owner)}},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantValidate(t, tc.chains, tc.want) })
	}
}
