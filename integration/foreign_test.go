package integration

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// foreignTables are the nftables tables addForeign fills, as `nft list
// table` names them.
var foreignTables = [][2]string{{"ip", "filter"}, {"ip", "nat"}, {"ip6", "filter"}, {"inet", "other"}}

// addForeign gives ns the state of other firewall users: iptables-nft
// rules in the same built-in chains the controller uses, and a native
// nftables table of its own.
func addForeign(t *testing.T, ns *netnstest.NS) {
	t.Helper()
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "192.0.2.1", "-p", "tcp", "--dport", "22", "-j", "DROP")
	ns.Exec("iptables-nft", "-A", "FORWARD", "-s", "192.0.2.9", "-m", "comment", "--comment", "someone else", "-j", "ACCEPT")
	ns.Exec("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "MASQUERADE")
	ns.Exec("ip6tables-nft", "-A", "FORWARD", "-s", "2001:db8::9", "-j", "ACCEPT")
	ns.NFT(`table inet other {
	set blocked { type ipv4_addr; elements = { 198.51.100.1, 198.51.100.2 }; }
	chain input { type filter hook input priority 10; policy accept; ip saddr @blocked counter drop; }
	chain forward_other { type filter hook forward priority -5; policy accept; ip6 saddr 2001:db8::1 drop; }
}
`)
}

// foreignListings lists every foreign table with nft, byte for byte.
func foreignListings(t *testing.T, ns *netnstest.NS) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, ft := range foreignTables {
		m[ft[0]+" "+ft[1]] = ns.Exec("nft", "list", "table", ft[0], ft[1])
	}
	return m
}

// iptSaves is iptables-save per family and table of the foreign iptables
// tables.
func iptSaves(t *testing.T, ns *netnstest.NS) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, ft := range foreignTables[:3] {
		m[ft[0]+" "+ft[1]] = save(t, ns, ft[0] == "ip6", ft[1])
	}
	return m
}

// assertNoIncompatible checks that iptables-nft can still read every table:
// native expressions in its tables make it print "incompatible".
func assertNoIncompatible(t *testing.T, ns *netnstest.NS, when string) {
	t.Helper()
	for _, cmd := range []string{"iptables-nft-save", "ip6tables-nft-save"} {
		netnstest.RequireBinary(t, cmd)
		out, err := ns.TryExec(cmd)
		if err != nil || strings.Contains(out, "incompatible") {
			t.Errorf("%s: %s: err %v, output:\n%s", when, cmd, err, out)
		}
	}
}

// ownedCounts counts, per "family table", the rules and the user chains
// rules ask for.
func ownedCounts(t *testing.T, rules []controller.Rule) (nrules, nchains map[string]int) {
	t.Helper()
	rs, err := controller.Desired(rules)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	nrules, nchains = map[string]int{}, map[string]int{}
	for _, c := range rs.Chains {
		id := c.Family.String() + " " + c.Table
		nrules[id] += len(c.Rules)
		if !c.Builtin() {
			nchains[id]++
		}
	}
	return nrules, nchains
}

// extraLines checks that before's lines appear in after in the same order
// and returns the lines after added; ok is false when a line of before is
// missing or moved.
func extraLines(before, after string) (extra []string, ok bool) {
	b := strings.Split(before, "\n")
	i := 0
	for _, l := range strings.Split(after, "\n") {
		if i < len(b) && l == b[i] {
			i++
			continue
		}
		extra = append(extra, l)
	}
	return extra, i == len(b)
}

// assertForeignKept checks the foreign state against what it was before the
// controller started. The nftables backend must leave every foreign table
// byte-identical. The iptables backend shares iptables' tables: there, the
// foreign lines of iptables-save must all still be there in their order,
// and the only added lines must be the owned rules and chains (rules and
// chains counted for the state ruled by rules; nil rules means nothing
// owned may remain). The native table inet other stays identical for both.
func assertForeignKept(t *testing.T, f *fixture, when string, nft, ipts map[string]string, rules []controller.Rule) {
	t.Helper()
	now := foreignListings(t, f.ns)
	for id, want := range nft {
		if f.backend == controller.BackendIPTables && id != "inet other" {
			continue
		}
		if now[id] != want {
			t.Errorf("%s: nft list table %s changed:%s\nbefore:\n%s\nnow:\n%s", when, id, lineDiff(want, now[id]), want, now[id])
		}
	}
	assertNoIncompatible(t, f.ns, when)
	if f.backend != controller.BackendIPTables {
		return
	}
	nrules, nchains := ownedCounts(t, rules)
	for id, want := range ipts {
		got := save(t, f.ns, strings.HasPrefix(id, "ip6 "), strings.Fields(id)[1])
		extra, ok := extraLines(want, got)
		if !ok {
			t.Errorf("%s: foreign %s lines lost or moved; before:\n%s\nnow:\n%s", when, id, want, got)
			continue
		}
		var r, c int
		for _, l := range extra {
			switch {
			case strings.HasPrefix(l, "-A "):
				r++
			case strings.HasPrefix(l, ":"):
				c++
			}
		}
		if r != nrules[id] || c != nchains[id] || len(extra) != r+c {
			t.Errorf("%s: %s: %d added lines (%d rules, %d chains), want %d rules and %d chains:\n%s",
				when, id, len(extra), r, c, nrules[id], nchains[id], strings.Join(extra, "\n"))
		}
	}
}

// TestForeignStateUntouched runs Set, Reconcile, a smaller Set and CleanUp
// next to other firewall users' rules and checks that theirs stay as they
// were at each step.
func TestForeignStateUntouched(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ns := netnstest.New(t)
		addForeign(t, ns)
		nft, ipts := foreignListings(t, ns), iptSaves(t, ns)
		f := newFixture(t, backend, ns)

		all := kiloBoth()
		f.set(t, all)
		f.assertKeys(t, "after Set", desiredKeys(t, all))
		assertForeignKept(t, f, "after Set", nft, ipts, all)

		if err := f.ctl.Reconcile(); err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
		assertForeignKept(t, f, "after Reconcile", nft, ipts, all)

		v4 := kiloRules(netnstest.TopoV4)
		f.set(t, v4)
		f.assertKeys(t, "after the IPv4-only Set", desiredKeys(t, v4))
		assertForeignKept(t, f, "after the IPv4-only Set", nft, ipts, v4)

		if err := f.ctl.CleanUp(); err != nil {
			t.Fatalf("CleanUp: %v", err)
		}
		assertForeignKept(t, f, "after CleanUp", nft, ipts, nil)
		if backend == controller.BackendIPTables {
			got := iptSaves(t, ns)
			for id, want := range ipts {
				if got[id] != want {
					t.Errorf("after CleanUp: iptables-save %s differs:%s", id, lineDiff(want, got[id]))
				}
			}
		}
	})
}
