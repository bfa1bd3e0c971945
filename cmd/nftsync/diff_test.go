package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

func TestWritePlanText(t *testing.T) {
	add := func(fam rule.Family, table, chain, r string) firewall.Change {
		return firewall.Change{Op: firewall.AddRule, Family: fam, Table: table, Chain: chain, Rule: r}
	}
	tests := []struct {
		name string
		plan *firewall.Plan
		want string
	}{
		{"nil", nil, ""},
		{"empty", &firewall.Plan{}, ""},
		{
			"grouped by table then chain, order within a chain kept",
			&firewall.Plan{Changes: []firewall.Change{
				{Op: firewall.AddChain, Family: rule.IPv4, Table: "nat", Chain: "KILO-NAT"},
				add(rule.IPv4, "filter", "FORWARD", "-s 10.2.1.0/24 -j ACCEPT"),
				add(rule.IPv4, "nat", "POSTROUTING", "-s 10.2.1.0/24 -j KILO-NAT"),
				add(rule.IPv4, "nat", "KILO-NAT", "-d 10.4.0.1/32 -j RETURN"),
				{Op: firewall.DeleteRule, Family: rule.IPv6, Table: "nat", Chain: "KILO-NAT", Rule: "-j MASQUERADE"},
				add(rule.IPv4, "nat", "KILO-NAT", "-j MASQUERADE"),
				{Op: firewall.SetPolicy, Family: rule.IPv4, Table: "filter", Chain: "FORWARD", Rule: "DROP"},
			}},
			"# ip nat\n" +
				"+ -N KILO-NAT\n" +
				"+ -A KILO-NAT -d 10.4.0.1/32 -j RETURN\n" +
				"+ -A KILO-NAT -j MASQUERADE\n" +
				"+ -A POSTROUTING -s 10.2.1.0/24 -j KILO-NAT\n" +
				"# ip filter\n" +
				"+ -A FORWARD -s 10.2.1.0/24 -j ACCEPT\n" +
				"~ -P FORWARD DROP\n" +
				"# ip6 nat\n" +
				"- -A KILO-NAT -j MASQUERADE\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writePlanText(&buf, tt.plan); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), tt.want)
			}
		})
	}
}

func TestWritePlanJSON(t *testing.T) {
	plan := &firewall.Plan{Changes: []firewall.Change{
		{Op: firewall.AddChain, Family: rule.IPv4, Table: "nat", Chain: "KILO-NAT"},
		{Op: firewall.DeleteRule, Family: rule.IPv6, Table: "filter", Chain: "INPUT", Rule: `-m comment --comment "a b" -j DROP`, Position: 3},
		{Op: firewall.SetPolicy, Family: rule.IPv6, Table: "filter", Chain: "INPUT", Rule: "DROP"},
	}}
	for _, tt := range []struct {
		plan *firewall.Plan
		want string
	}{
		{&firewall.Plan{}, `{"version":1,"owner":"kilo","backend":"nftables","changes":[]}`},
		{plan, `{"version":1,"owner":"kilo","backend":"nftables","changes":[` +
			`{"op":"add-chain","family":"ip","table":"nat","chain":"KILO-NAT"},` +
			`{"op":"delete","family":"ip6","table":"filter","chain":"INPUT","rule":["-m","comment","--comment","a b","-j","DROP"],"position":3},` +
			`{"op":"policy","family":"ip6","table":"filter","chain":"INPUT","policy":"DROP"}]}`},
	} {
		var buf bytes.Buffer
		if err := writePlanJSON(&buf, target{"kilo", "nftables"}, tt.plan); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, buf.Bytes()); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
		}
		if compact.String() != tt.want {
			t.Errorf("got\n%s\nwant\n%s", compact.String(), tt.want)
		}
	}
}

// TestDiffCLI checks diff's exit codes and output against a namespace.
func TestDiffCLI(t *testing.T) {
	ns := netnstest.New(t)
	r := nftsync(t, ns, "", "diff", "-4", kiloV4)
	if r.code != 2 {
		t.Fatalf("diff before apply: want exit 2, got %s", r)
	}
	for _, want := range []string{"# ip nat\n", "+ -N KILO-NAT\n", "+ -A KILO-NAT -d 10.4.0.1/32", "# ip filter\n", "+ -A KILO-IPIP -s 192.168.0.11/32"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff output lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := ns.Exec("nft", "list", "tables"); strings.Contains(got, "test-") {
		t.Fatalf("diff changed the kernel:\n%s", got)
	}
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4)
	if r := nftsync(t, ns, "", "diff", "-4", kiloV4); r.code != 0 || r.stdout != "" {
		t.Fatalf("diff after apply: want exit 0 and no output, got %s", r)
	}
	if r := nftsync(t, ns, "", "diff", "-4", kiloV4, "--output", "json"); r.code != 0 || !strings.Contains(r.stdout, `"changes": []`) {
		t.Errorf("json diff after apply: %s", r)
	}
	// One rule fewer: one deletion.
	lines := strings.Split(readFile(t, kiloV4), "\n")
	var kept []string
	for _, l := range lines {
		if !strings.Contains(l, "192.168.0.12/32 -m comment --comment \"Kilo: allow IPIP") {
			kept = append(kept, l)
		}
	}
	fewer := writeFile(t, "fewer.v4", strings.Join(kept, "\n"))
	r = nftsync(t, ns, "", "diff", "-4", fewer, "-o", "json")
	var got struct{ Changes []jsonChange }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 2 {
		t.Fatalf("json diff: %v; %s", err, r)
	}
	if len(got.Changes) != 1 || got.Changes[0].Op != "delete" || got.Changes[0].Chain != "KILO-IPIP" ||
		!strings.Contains(strings.Join(got.Changes[0].Rule, " "), "192.168.0.12") {
		t.Errorf("want one deletion in KILO-IPIP, got %+v", got.Changes)
	}
	if r := nftsync(t, ns, "", "diff", "-4", kiloV4, "-o", "yaml"); r.code != 1 {
		t.Errorf("unknown output format: want exit 1, got %s", r)
	}
}
