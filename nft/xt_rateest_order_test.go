package nft

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
)

// TestRateestOrder checks that nftsync's one batch accepts a -m rateest
// exactly where iptables-legacy-restore does: the estimator is made by a
// -j RATEEST rule when the kernel checks it, so its rule must come first,
// in a table restored earlier (raw, mangle, nat, filter, security) or
// earlier in the same table (built-in chains before user chains).
func TestRateestOrder(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	const (
		est = "-j RATEEST --rateest-name nftsync-r1 --rateest-interval 1s --rateest-ewmalog 8s"
		use = "-m rateest --rateest nftsync-r1 --rateest-bps 1000 --rateest-lt"
	)
	tables := []string{"raw", "mangle", "nat", "filter", "security"}
	type place struct{ table, chain string }
	places := []place{{"raw", "OUTPUT"}, {"mangle", "PT-USER"}, {"nat", "OUTPUT"}, {"filter", "OUTPUT"}, {"filter", "PT-USER"}, {"security", "OUTPUT"}}
	legacy, ours := netnstest.New(t), netnstest.New(t)
	b, _ := newBackend(t, ours, WithOwner("t"))
	accepted := 0
	for _, e := range places {
		for _, u := range places {
			var f strings.Builder
			for _, table := range tables {
				if table != e.table && table != u.table {
					continue
				}
				fmt.Fprintf(&f, "*%s\n:OUTPUT ACCEPT [0:0]\n:PT-USER - [0:0]\n", table)
				if table == e.table {
					fmt.Fprintf(&f, "-A %s %s\n", e.chain, est)
				}
				if table == u.table {
					fmt.Fprintf(&f, "-A %s %s\n", u.chain, use)
				}
				f.WriteString("COMMIT\n")
			}
			cmd := exec.Command("ip", "netns", "exec", legacy.Name, "iptables-legacy-restore")
			cmd.Stdin = strings.NewReader(f.String())
			legacyErr := cmd.Run()
			rs, err := iptsave.Parse(strings.NewReader(f.String()), "rules", rule.IPv4)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Apply(context.Background(), rs)
			if (err == nil) != (legacyErr == nil) {
				t.Errorf("RATEEST in %s %s, rateest in %s %s: iptables-legacy-restore %v, nftsync %v", e.table, e.chain, u.table, u.chain, legacyErr, err)
			}
			if err == nil {
				accepted++
			}
			// Empty both, so that no estimator outlives its rule.
			cmd = exec.Command("ip", "netns", "exec", legacy.Name, "iptables-legacy-restore")
			cmd.Stdin = strings.NewReader("*raw\nCOMMIT\n*mangle\nCOMMIT\n*nat\nCOMMIT\n*filter\nCOMMIT\n*security\nCOMMIT\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("emptying iptables-legacy's tables: %v\n%s", err, out)
			}
			if err := b.CleanUp(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if accepted == 0 || accepted == len(places)*len(places) {
		t.Errorf("%d of %d orders accepted: the test must see both outcomes", accepted, len(places)*len(places))
	}
}

// TestRateestPlacedTables: an estimator made by a -j RATEEST serves a -m
// rateest in one batch wherever iptables-restore would have made it first,
// placed tables (moved automatically into iptables' own for an extension
// bound to the table's name) included: their new rules go among the
// owner's tables in the ruleset's order of tables (placement_order.go).
func TestRateestPlacedTables(t *testing.T) {
	const (
		est = "-j RATEEST --rateest-name nftsync-r2 --rateest-interval 1s --rateest-ewmalog 8s"
		use = "-m rateest --rateest nftsync-r2 --rateest-bps 1000 --rateest-lt -j ACCEPT"
	)
	for _, c := range []struct {
		name   string
		v4, v6 string // restore files (IPv4's first, as apply -4 F -6 G)
		saved  string // what iptables-nft-save shows of the placed rule
	}{
		// The estimator in placed mangle (for its TTL), the match in
		// the owner's filter.
		{"from a placed table", "*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j TTL --ttl-set 9\n-A POSTROUTING " + est + "\nCOMMIT\n" +
			"*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT " + use + "\nCOMMIT\n", "", "--rateest-name nftsync-r2"},
		// The estimator in the owner's IPv4 filter, the match in placed
		// ip6 mangle (for its HL), which iptables-restore commits later.
		{"into a placed table", "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT " + est + "\nCOMMIT\n",
			"*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j HL --hl-set 9\n-A POSTROUTING " + use + "\nCOMMIT\n", "--rateest nftsync-r2 "},
		// Two placed tables (raw for its CT, mangle for its TTL), in the
		// ruleset's order, not by name.
		{"between placed tables", "*raw\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j CT --zone 3\n-A OUTPUT " + est + "\nCOMMIT\n" +
			"*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j TTL --ttl-set 9\n-A POSTROUTING " + use + "\nCOMMIT\n", "", "--rateest nftsync-r2 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := netnstest.New(t)
			b, _ := newBackend(t, ns, WithOwner("t"))
			rs := &firewall.Ruleset{}
			for fam, text := range map[rule.Family]string{rule.IPv4: c.v4, rule.IPv6: c.v6} {
				if text == "" {
					continue
				}
				part, err := iptsave.Parse(strings.NewReader(text), "rules", fam)
				if err != nil {
					t.Fatal(err)
				}
				if fam == rule.IPv4 {
					rs.Chains = append(part.Chains, rs.Chains...)
				} else {
					rs.Chains = append(rs.Chains, part.Chains...)
				}
			}
			if _, err := b.Apply(context.Background(), rs); err != nil {
				t.Fatalf("apply: %v", err)
			}
			if p, err := b.Plan(context.Background(), rs); err != nil || len(p.Changes) != 0 {
				t.Errorf("plan after apply: %v, %v", p, err)
			}
			var saved string
			for _, tool := range []string{"iptables-nft-save", "ip6tables-nft-save"} {
				saved += ns.Exec(tool, "-t", "mangle") + ns.Exec(tool, "-t", "raw")
			}
			if !strings.Contains(saved, c.saved) {
				t.Errorf("iptables-nft-save lacks %q:\n%s", c.saved, saved)
			}
		})
	}
}
