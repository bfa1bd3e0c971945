package nft

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestForeignTableNamedLikeOwned checks that tables named like the
// owner's but not created by nftsync are never listed, changed or
// deleted: one the desired state does not need survives Apply and
// CleanUp, and one it needs makes Apply and Plan fail, changing nothing.
func TestForeignTableNamedLikeOwned(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ctx := context.Background()
	ns := netnstest.New(t)
	ns.NFT("add table ip kilo-mangle\nadd chain ip kilo-mangle PREROUTING { type filter hook prerouting priority -150; }\n" +
		"add rule ip kilo-mangle PREROUTING counter\nadd set ip kilo-mangle s { type ipv4_addr; }")
	theirs := func() string { return ns.Exec("nft", "-a", "list", "table", "ip", "kilo-mangle") }
	before := theirs()
	b, _ := newBackend(t, ns, WithOwner("kilo"))
	apply(t, b, kiloRuleset(t))
	if !strings.Contains(ns.Exec("nft", "list", "table", "ip", "kilo-filter"), `comment "nftsync owner kilo"`) {
		t.Error("owned table without the mark")
	}
	got, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Chains {
		if c.Table == "mangle" {
			t.Errorf("Read lists the foreign table's chain %s", c.Name)
		}
	}
	if err := b.CleanUp(ctx); err != nil {
		t.Fatal(err)
	}
	if after := theirs(); after != before {
		t.Errorf("CleanUp changed the foreign table:\n%s\nwant:\n%s", after, before)
	}
	if out := ns.Exec("nft", "list", "tables"); strings.Contains(out, "kilo-filter") || strings.Contains(out, "kilo-nat") {
		t.Errorf("CleanUp left owned tables:\n%s", out)
	}

	// A foreign table in the way: an empty one, or one with a rule.
	for _, script := range []string{"add table ip kilo-nat", "add table ip kilo-nat\nadd chain ip kilo-nat c\nadd rule ip kilo-nat c counter"} {
		ns.NFT(script)
		before := ns.Exec("nft", "-a", "list", "ruleset")
		for name, op := range map[string]func() error{
			"Apply": func() error { _, err := b.Apply(ctx, kiloRuleset(t)); return err },
			"Plan":  func() error { _, err := b.Plan(ctx, kiloRuleset(t)); return err },
		} {
			err := op()
			if !errors.Is(err, ErrForeignTable) || !strings.Contains(err.Error(), "ip kilo-nat") {
				t.Errorf("%s with a foreign kilo-nat: %v, want ErrForeignTable naming it", name, err)
			}
		}
		if err := b.CleanUp(ctx); err != nil {
			t.Errorf("CleanUp with a foreign kilo-nat: %v", err)
		}
		if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
			t.Errorf("ruleset changed with a foreign table in the way:\n%s\nwant:\n%s", after, before)
		}
		ns.NFT("delete table ip kilo-nat")
	}
}

// TestAdoptUnmarkedTable checks the upgrade from an nftsync that did not
// mark its tables: an unmarked table whose rules all carry nftsync's spec
// is re-created marked by the next Apply, which then ends in the state a
// fresh install gives.
func TestAdoptUnmarkedTable(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns, WithOwner("kilo"))
	rs := kiloRuleset(t)
	// What an earlier nftsync wrote: the same batch, tables unmarked.
	d, err := compile("kilo", rs, b.cache)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := makePlan(d, &actual{tables: map[tableID]*haveTable{}})
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for i, m := range pl.batch.msgs {
		if m.Header.Type == nftType(unix.NFT_MSG_NEWTABLE) {
			var name string
			_ = attrList(m.Data, func(typ uint16, b []byte) error {
				if typ == unix.NFTA_TABLE_NAME {
					name = cstring(b)
				}
				return nil
			})
			fam, _ := famOf(m.Data[0])
			var plain batch
			plain.newTable(fam, name)
			pl.batch.msgs[i].Data = plain.msgs[0].Data
			marked++
		}
	}
	if marked == 0 {
		t.Fatal("no NEWTABLE in a cold batch")
	}
	gen, err := b.getGen()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.snd.send(pl.batch, gen, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ns.Exec("nft", "list", "ruleset"), "nftsync owner") {
		t.Fatal("the earlier nftsync's tables are marked")
	}
	// A hand-made unmarked table with a rule that is not nftsync's, or
	// without chains, is not adopted; one of empty chains hooked as
	// nftsync hooks them (an earlier nftsync's) is.
	ns.NFT("add table ip6 kilo-nat\nadd chain ip6 kilo-nat c\nadd rule ip6 kilo-nat c counter\nadd table ip kilo-mangle\n" +
		"add table ip kilo-raw\nadd chain ip kilo-raw PREROUTING { type filter hook prerouting priority -300; }")
	rs.Chains = append(rs.Chains, chain(t, rule.IPv4, "raw", "PREROUTING", "", "-s 10.0.0.1 -j ACCEPT"))
	marked++

	p := apply(t, b, rs)
	adopted := 0
	for _, c := range p.Changes {
		if c.Op == AdoptTable {
			adopted++
		}
	}
	if adopted != marked {
		t.Errorf("%d tables adopted, want %d:\n%s", adopted, marked, p)
	}
	fresh := netnstest.New(t)
	fb, _ := newBackend(t, fresh, WithOwner("kilo"))
	apply(t, fb, rs)
	for _, tb := range []struct{ fam, name string }{{"ip", "kilo-filter"}, {"ip", "kilo-nat"}, {"ip6", "kilo-filter"}, {"ip", "kilo-raw"}} {
		if got, want := listing(ns, tb.fam, tb.name), listing(fresh, tb.fam, tb.name); got != want {
			t.Errorf("%s %s after adoption:\n%s\nwant:\n%s", tb.fam, tb.name, got, want)
		}
	}
	checkNoop(t, b, rs)
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := ns.Exec("nft", "list", "tables"); strings.TrimSpace(out) != "table ip6 kilo-nat\ntable ip kilo-mangle" {
		t.Errorf("after CleanUp:\n%s\nwant only the hand-made ip6 kilo-nat and ip kilo-mangle", out)
	}
}
