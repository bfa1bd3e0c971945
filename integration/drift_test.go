package integration

import (
	"strconv"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// driftCase is one change someone else makes behind the controller's back,
// written once with nft (for the nftables backend, in its own tables) and
// once with iptables (for the iptables backend, in iptables' tables).
type driftCase struct {
	name string
	nft  func(t *testing.T, ns *netnstest.NS)
	ipt  func(t *testing.T, ns *netnstest.NS)
	// pinPolicy makes the desired state say FORWARD's policy explicitly
	// (ACCEPT), so that a policy change is drift for every backend.
	pinPolicy bool
}

// nftDeleteRule deletes rule i (0-based) of an nftables chain.
func nftDeleteRule(t *testing.T, ns *netnstest.NS, family, table, chain string, i int) {
	t.Helper()
	r := nftRules(t, ns, family, table, chain)
	ns.Exec("nft", "delete", "rule", family, table, chain, "handle", strconv.Itoa(r[i].Handle))
}

var (
	kf = ownedTable("filter")
	kn = ownedTable("nat")
)

var driftCases = []driftCase{
	{
		name: "rule deleted",
		nft:  func(t *testing.T, ns *netnstest.NS) { nftDeleteRule(t, ns, "ip", kf, "FORWARD", 0) },
		ipt:  func(t *testing.T, ns *netnstest.NS) { ipt(t, ns, false, "-D", "FORWARD", "1") },
	},
	{
		name: "ipv6 rule deleted",
		nft:  func(t *testing.T, ns *netnstest.NS) { nftDeleteRule(t, ns, "ip6", kf, "FORWARD", 1) },
		ipt:  func(t *testing.T, ns *netnstest.NS) { ipt(t, ns, true, "-D", "FORWARD", "2") },
	},
	{
		name: "foreign rule added to an owned chain",
		nft: func(t *testing.T, ns *netnstest.NS) {
			ns.Exec("nft", "insert", "rule", "ip", kn, "KILO-NAT", "ip saddr 10.200.1.0/24 accept")
		},
		ipt: func(t *testing.T, ns *netnstest.NS) {
			ipt(t, ns, false, "-t", "nat", "-I", "KILO-NAT", "1", "-s", "10.200.1.0/24", "-j", "ACCEPT")
		},
	},
	{
		name: "rules reordered",
		nft: func(t *testing.T, ns *netnstest.NS) {
			first := nftRules(t, ns, "ip", kn, "KILO-NAT")[0]
			ns.Exec("nft", "delete", "rule", "ip", kn, "KILO-NAT", "handle", strconv.Itoa(first.Handle))
			ns.Exec("nft", "add", "rule", "ip", kn, "KILO-NAT", first.Text)
		},
		ipt: func(t *testing.T, ns *netnstest.NS) {
			first := iptRule(t, ns, false, "nat", "KILO-NAT", 1)
			ipt(t, ns, false, "-t", "nat", "-D", "KILO-NAT", "1")
			ipt(t, ns, false, append([]string{"-t", "nat", "-A", "KILO-NAT"}, first...)...)
		},
	},
	{
		name: "rule modified",
		nft: func(t *testing.T, ns *netnstest.NS) {
			h := nftRules(t, ns, "ip", kn, "KILO-NAT")[0].Handle
			ns.Exec("nft", "replace", "rule", "ip", kn, "KILO-NAT", "handle", strconv.Itoa(h), "ip daddr 10.200.9.0/24 return")
		},
		ipt: func(t *testing.T, ns *netnstest.NS) {
			ipt(t, ns, false, "-t", "nat", "-R", "KILO-NAT", "1", "-d", "10.200.9.0/24", "-j", "RETURN")
		},
	},
	{
		name: "user chain flushed",
		nft:  func(t *testing.T, ns *netnstest.NS) { ns.Exec("nft", "flush", "chain", "ip", kn, "KILO-NAT") },
		ipt:  func(t *testing.T, ns *netnstest.NS) { ipt(t, ns, false, "-t", "nat", "-F", "KILO-NAT") },
	},
	{
		name: "built-in chain flushed",
		nft:  func(t *testing.T, ns *netnstest.NS) { ns.Exec("nft", "flush", "chain", "ip", kf, "FORWARD") },
		ipt:  func(t *testing.T, ns *netnstest.NS) { ipt(t, ns, false, "-F", "FORWARD") },
	},
	{
		name: "user chain deleted",
		nft: func(t *testing.T, ns *netnstest.NS) {
			ns.NFT("flush chain ip " + kn + " POSTROUTING\nflush chain ip " + kn + " KILO-NAT\ndelete chain ip " + kn + " KILO-NAT\n")
		},
		ipt: func(t *testing.T, ns *netnstest.NS) {
			ipt(t, ns, false, "-t", "nat", "-F", "POSTROUTING")
			ipt(t, ns, false, "-t", "nat", "-F", "KILO-NAT")
			ipt(t, ns, false, "-t", "nat", "-X", "KILO-NAT")
		},
	},
	{
		// iptables has no table deletion: flushing every chain and
		// deleting every user chain is the nearest thing.
		name: "table deleted",
		nft:  func(t *testing.T, ns *netnstest.NS) { ns.Exec("nft", "delete", "table", "ip", kn) },
		ipt: func(t *testing.T, ns *netnstest.NS) {
			ipt(t, ns, false, "-t", "nat", "-F")
			ipt(t, ns, false, "-t", "nat", "-X")
		},
	},
	{
		name: "ipv6 table deleted",
		nft:  func(t *testing.T, ns *netnstest.NS) { ns.Exec("nft", "delete", "table", "ip6", kf) },
		ipt: func(t *testing.T, ns *netnstest.NS) {
			ipt(t, ns, true, "-F")
			ipt(t, ns, true, "-X")
		},
	},
	{
		name:      "built-in chain policy changed",
		nft:       func(t *testing.T, ns *netnstest.NS) { ns.Exec("nft", "chain ip "+kf+" FORWARD { policy drop; }") },
		ipt:       func(t *testing.T, ns *netnstest.NS) { ipt(t, ns, false, "-P", "FORWARD", "DROP") },
		pinPolicy: true,
	},
}

// TestDrift injects each drift case after Set and checks that Reconcile
// restores exactly the desired state: Current() and the backend's own
// listing equal what they were right after Set. It also checks that Current
// saw the drift, and that the Reconcile after the repair is a no-op again.
func TestDrift(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		for _, dc := range driftCases {
			t.Run(dc.name, func(t *testing.T) {
				ns := netnstest.New(t)
				f := newFixture(t, backend, ns)
				rules := kiloBoth()
				rs, err := controller.Desired(rules)
				if err != nil {
					t.Fatalf("Desired: %v", err)
				}
				if dc.pinPolicy {
					for _, c := range rs.Chains {
						if c.Name == "FORWARD" {
							c.Policy = "ACCEPT"
						}
					}
					err = f.ctl.SetRuleset(rs)
				} else {
					err = f.ctl.Set(rules)
				}
				if err != nil {
					t.Fatalf("Set: %v", err)
				}
				want := keys(rs)
				f.assertKeys(t, "after Set", want)
				before := f.listing(t)

				inject := dc.nft
				if backend == controller.BackendIPTables {
					inject = dc.ipt
				}
				inject(t, ns)
				if f.listing(t) == before {
					t.Fatalf("the injected drift changed nothing in the listing:\n%s", before)
				}
				if diffKeys(want, f.currentKeys(t)) == "" {
					t.Errorf("Current() does not show the drift (listing after the drift:\n%s)", f.listing(t))
				}

				f.obs.Take()
				if err := f.ctl.Reconcile(); err != nil {
					t.Fatalf("Reconcile: %v", err)
				}
				t.Logf("repair counts: %v", f.obs.Take())
				f.assertKeys(t, "after Reconcile", want)
				if after := f.listing(t); after != before {
					t.Errorf("listing after Reconcile differs from the one after Set:%s\nafter Set:\n%s\nafter Reconcile:\n%s", lineDiff(before, after), before, after)
				}
				f.assertNoopReconcile(t, tablesInUse(t, rules))
			})
		}
	})
}

// TestReconcileNoop checks that reconciling an untouched state writes
// nothing and does not dump (nftables) or runs at most one command per
// table in use (iptables), several times in a row.
func TestReconcileNoop(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ns := netnstest.New(t)
		f := newFixture(t, backend, ns)
		rules := kiloBoth()
		f.set(t, rules)
		before := f.listing(t)
		for i := 0; i < 3; i++ {
			f.assertNoopReconcile(t, tablesInUse(t, rules))
		}
		f.assertKeys(t, "after no-op Reconciles", desiredKeys(t, rules))
		if after := f.listing(t); after != before {
			t.Errorf("no-op Reconciles changed the listing:%s", lineDiff(before, after))
		}
	})
}
