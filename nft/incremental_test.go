package nft

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// incrementalRuleset is a desired state over two families and three
// tables, with anonymous sets (multiport) between plain rules, so that the
// handles of new rules are counted across sets and tables.
func incrementalRuleset(t testing.TB, extra ...string) *firewall.Ruleset {
	user := []string{`-s 10.0.1.0/24 -j ACCEPT`, `-p tcp -m multiport --dports 22,80,443 -j ACCEPT`, `-s 10.0.2.0/24 -j DROP`}
	user = append(user, extra...)
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "FORWARD", "DROP", `-j USER`, `-p udp -m multiport --dports 53,123 -j ACCEPT`),
		chain(t, rule.IPv4, "filter", "USER", "", user...),
		chain(t, rule.IPv4, "nat", "POSTROUTING", "", `-s 10.4.0.0/16 -j MASQUERADE`),
		chain(t, rule.IPv6, "filter", "INPUT", "", `-p tcp -m multiport --dports 22,80 -j ACCEPT`, `-s fd00::/8 -j ACCEPT`),
	}}
}

// modelHandles lists, per chain, the handles the backend believes its rules
// have, in the format of ruleHandles' first field.
func modelHandles(t testing.TB, b *Backend, fam rule.Family, table, chain string) []string {
	t.Helper()
	if b.model == nil {
		t.Fatal("backend holds no owned state in memory")
	}
	ht := b.model.tables[tableID{fam, table}]
	if ht == nil || ht.byName[chain] == nil {
		t.Fatalf("no %s %s %s in the state in memory", fam, table, chain)
	}
	var out []string
	for _, hr := range ht.byName[chain].rules {
		out = append(out, fmt.Sprint(hr.handle))
	}
	return out
}

// checkModel compares the handles in memory with the kernel's.
func checkModel(t *testing.T, b *Backend, ns *netnstest.NS, when string) {
	t.Helper()
	for _, c := range []struct {
		fam          rule.Family
		table, chain string
	}{{rule.IPv4, "filter", "FORWARD"}, {rule.IPv4, "filter", "USER"}, {rule.IPv4, "nat", "POSTROUTING"}, {rule.IPv6, "filter", "INPUT"}} {
		var kernel []string
		for _, h := range ruleHandles(t, ns, c.fam.String(), "nftsync-"+c.table, c.chain) {
			kernel = append(kernel, strings.Fields(h)[0])
		}
		if got := modelHandles(t, b, c.fam, c.table, c.chain); strings.Join(got, " ") != strings.Join(kernel, " ") {
			t.Errorf("%s: handles of %s %s %s in memory %v, kernel %v", when, c.fam, c.table, c.chain, got, kernel)
		}
	}
}

// TestIncrementalApply checks that a change of the desired state right
// after the backend's own write is planned from memory (no dump), that the
// handles it learnt are the kernel's, and that the result equals a fresh
// install.
func TestIncrementalApply(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	apply(t, b, incrementalRuleset(t))
	checkModel(t, b, ns, "after the cold apply")

	next := nextRuleset(t)
	obs.Take()
	p := apply(t, b, next)
	if obs.Get("dump") != 0 || obs.Get("batch") != 1 {
		t.Errorf("change after own write: %v, want no dump and one batch", obs.Take())
	}
	if len(p.Changes) != 7 {
		t.Errorf("want 7 changes (policy, 1 rule deleted, 2 added, the IPv6 chain and its 2 rules deleted), got:\n%s", p)
	}
	if out := ns.Exec("nft", "list", "tables"); strings.Contains(out, "ip6 nftsync-filter") {
		t.Errorf("IPv6 table kept:\n%s", out)
	}
	for _, table := range []string{"nftsync-filter", "nftsync-nat"} {
		if got, want := sortedListing(ns, "ip", table), sortedListingOf(t, nextRuleset(t), "ip", table); got != want {
			t.Errorf("%s after the incremental apply:\n%s\nfresh install:\n%s", table, got, want)
		}
	}
	// The state in memory matches the kernel's, rule by rule: a forced
	// dump finds nothing to do, and another change from memory works.
	ns.NFT("add table ip unrelated")
	obs.Take()
	if p := apply(t, b, next); !p.Empty() || obs.Get("dump") == 0 {
		t.Errorf("forced dump after incremental apply: plan %q, %d dumps", p, obs.Get("dump"))
	}
	back := incrementalRuleset(t)
	obs.Take()
	apply(t, b, back)
	if obs.Get("dump") != 0 {
		t.Errorf("second change dumped %d times", obs.Get("dump"))
	}
	checkModel(t, b, ns, "after changing back")
	if got, want := sortedListing(ns, "ip", "nftsync-filter"), sortedListingOf(t, incrementalRuleset(t), "ip", "nftsync-filter"); got != want {
		t.Errorf("after changing back:\n%s\nfresh install:\n%s", got, want)
	}
}

// nextRuleset is incrementalRuleset changed: the USER chain loses its
// multiport rule and gains two at the end (one with a set), FORWARD's
// policy changes, the IPv6 table goes.
func nextRuleset(t testing.TB) *firewall.Ruleset {
	rs := incrementalRuleset(t, `-p udp -m multiport --dports 1000,2000 -j DROP`, `-d 192.0.2.0/24 -j ACCEPT`)
	rs.Chains[1].Rules = append(rs.Chains[1].Rules[:1:1], rs.Chains[1].Rules[2:]...)
	rs.Chains[0].Policy = "ACCEPT"
	rs.Chains = rs.Chains[:3]
	return rs
}

// sortedListingOf installs rs in a fresh namespace and lists one table.
func sortedListingOf(t *testing.T, rs *firewall.Ruleset, fam, table string) string {
	t.Helper()
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	return sortedListing(ns, fam, table)
}

// TestNoopApply checks the cost of Applies that change nothing: the same
// Ruleset is one GETGEN; an equal one (other pointers) compiles from the
// cache and compares in memory, without dump or batch; Plan needs no dump
// either.
func TestNoopApply(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := incrementalRuleset(t)
	apply(t, b, rs)
	obs.Take()
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("same Ruleset: %s", p)
	}
	if obs.Get("getgen") != 1 || obs.Get("dump") != 0 || obs.Get("batch") != 0 {
		t.Errorf("same Ruleset observed %v, want one getgen only", obs.Take())
	}
	obs.Take()
	if p := apply(t, b, incrementalRuleset(t)); !p.Empty() {
		t.Errorf("equal Ruleset: %s", p)
	}
	if obs.Get("dump") != 0 || obs.Get("batch") != 0 {
		t.Errorf("equal Ruleset observed %v, want no dump or batch", obs.Take())
	}
	obs.Take()
	p, err := b.Plan(context.Background(), incrementalRuleset(t, `-j DROP`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Op != firewall.AddRule || obs.Get("dump") != 0 {
		t.Errorf("Plan from memory: %q with %d dumps, want one added rule and no dump", p, obs.Get("dump"))
	}
	// After someone else's change, the same Ruleset is checked again.
	ns.NFT("flush chain ip nftsync-filter USER")
	obs.Take()
	if p := apply(t, b, rs); len(p.Changes) != 3 || obs.Get("dump") == 0 || obs.Get("drift") != 3 {
		t.Errorf("repair: %q, observed %v; want 3 rules re-added after a dump, counted as drift", p, obs.Take())
	}
}
