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

// TestRateestFromPlacedTable: an estimator made by a -j RATEEST in a table
// placed automatically (mangle, for its -j TTL) serves a -m rateest in the
// owner's filter table within the same batch, as iptables-restore makes
// mangle's rules before filter's: placement's new rules go first.
func TestRateestFromPlacedTable(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithOwner("t"))
	rs, err := iptsave.Parse(strings.NewReader(`*mangle
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -j TTL --ttl-set 9
-A POSTROUTING -j RATEEST --rateest-name nftsync-r2 --rateest-interval 1s --rateest-ewmalog 8s
COMMIT
*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -m rateest --rateest nftsync-r2 --rateest-bps 1000 --rateest-lt -j ACCEPT
COMMIT
`), "rules", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	applyThenNothing(t, b, rs)
	if out := ns.Exec("iptables-nft-save", "-t", "mangle"); !strings.Contains(out, "--rateest-name nftsync-r2") {
		t.Errorf("RATEEST not placed in iptables' mangle:\n%s", out)
	}
}

// TestRateestIntoPlacedTable: the other way round, as `apply -4 F -6 G`
// orders it: an estimator made in the owner's IPv4 filter table serves a
// -m rateest in an IPv6 mangle table placed automatically (for its -j HL),
// which iptables-restore would commit after IPv4's tables.
func TestRateestIntoPlacedTable(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithOwner("t"))
	v4, err := iptsave.Parse(strings.NewReader(`*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -j RATEEST --rateest-name nftsync-r3 --rateest-interval 1s --rateest-ewmalog 8s
COMMIT
`), "rules.v4", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	v6, err := iptsave.Parse(strings.NewReader(`*mangle
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -j HL --hl-set 9
-A POSTROUTING -m rateest --rateest nftsync-r3 --rateest-bps 1000 --rateest-lt -j ACCEPT
COMMIT
`), "rules.v6", rule.IPv6)
	if err != nil {
		t.Fatal(err)
	}
	rs := &firewall.Ruleset{Chains: append(v4.Chains, v6.Chains...)}
	applyThenNothing(t, b, rs)
	if out := ns.Exec("ip6tables-nft-save", "-t", "mangle"); !strings.Contains(out, "--rateest nftsync-r3") {
		t.Errorf("rateest not placed in iptables' ip6 mangle:\n%s", out)
	}
}

// TestRateestBetweenPlacedTables: two placed tables (raw for its -j CT
// with options, mangle for its -j TTL) go in the ruleset's order of
// tables, as iptables-restore commits them, not by name: raw's RATEEST
// serves mangle's rateest.
func TestRateestBetweenPlacedTables(t *testing.T) {
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithOwner("t"))
	rs, err := iptsave.Parse(strings.NewReader(`*raw
:OUTPUT ACCEPT [0:0]
-A OUTPUT -j CT --zone 3
-A OUTPUT -j RATEEST --rateest-name nftsync-r4 --rateest-interval 1s --rateest-ewmalog 8s
COMMIT
*mangle
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -j TTL --ttl-set 9
-A POSTROUTING -m rateest --rateest nftsync-r4 --rateest-bps 1000 --rateest-lt -j ACCEPT
COMMIT
`), "rules", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	applyThenNothing(t, b, rs)
}

// applyThenNothing applies rs, which must be accepted, and checks that
// nothing is left to change.
func applyThenNothing(t *testing.T, b *Backend, rs *firewall.Ruleset) {
	t.Helper()
	if _, err := b.Apply(context.Background(), rs); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if p, err := b.Plan(context.Background(), rs); err != nil || len(p.Changes) != 0 {
		t.Errorf("plan after apply: %v, %v", p, err)
	}
}
