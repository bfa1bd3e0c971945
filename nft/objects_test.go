package nft

import (
	"context"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestForeignObjectsRemoved adds sets, maps, named stateful objects and a
// chain to owned tables, some used by foreign rules and
// one map jumping to the foreign chain: Plan reports each, and the next
// Apply removes them, ending in the state a fresh install gives.
func TestForeignObjectsRemoved(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns, WithOwner("kilo"))
	rs := kiloRuleset(t)
	apply(t, b, rs)
	ref := listing(ns, "ip", "kilo-filter") + listing(ns, "ip", "kilo-nat")
	ns.NFT(`add set ip kilo-filter s { type ipv4_addr; elements = { 192.0.2.1 }; }
add counter ip kilo-filter c
add quota ip kilo-filter q { over 100 mbytes; }
add limit ip kilo-filter l { rate 10/second; }
add chain ip kilo-filter FOREIGN
add rule ip kilo-filter FOREIGN ip saddr @s counter name c
add map ip kilo-filter m { type ipv4_addr : verdict; elements = { 192.0.2.2 : jump FOREIGN }; }
add rule ip kilo-filter FORWARD ip daddr vmap @m
add set ip kilo-nat s6 { type ipv4_addr; }`)
	want := []string{"set s", "counter c", "quota q", "limit l", "map m", "set s6"}
	p, err := b.Plan(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	plan := p.String()
	for _, w := range want {
		if !strings.Contains(plan, "delete-object "+w+"\n") {
			t.Errorf("plan does not delete %s:\n%s", w, plan)
		}
	}
	obs.Take()
	apply(t, b, rs)
	if got := listing(ns, "ip", "kilo-filter") + listing(ns, "ip", "kilo-nat"); got != ref {
		t.Errorf("after Apply:\n%s\nwant:\n%s", got, ref)
	}
	if obs.Get("drift") == 0 {
		t.Error("the removal was not counted as drift")
	}
	checkNoop(t, b, rs)
}

// TestFlowtableObject checks the decoding of a dumped flowtable and the
// message deleting it (this test kernel has no flowtable support, so the
// kernel test cannot add one).
func TestFlowtableObject(t *testing.T) {
	m := nftMsg(unix.NFT_MSG_NEWFLOWTABLE, unix.NFPROTO_IPV4, attrs(nil).str(nftaFlowtableTable, "o-filter").str(nftaFlowtableName, "f"))
	o, table, ok := decodeObject(m)
	if !ok || table != "o-filter" || o.name != "f" || o.kind != "flowtable" || o.msg != unix.NFT_MSG_DELFLOWTABLE {
		t.Fatalf("decoded %+v in %q (%v)", o, table, ok)
	}
	var b batch
	b.delObject(rule.IPv4, table, o)
	want := append(head(rule.IPv4).str(nftaFlowtableTable, "o-filter"), attrs(nil).str(nftaFlowtableName, "f")...)
	if b.msgs[0].Header.Type != nftType(unix.NFT_MSG_DELFLOWTABLE) || string(b.msgs[0].Data) != string(want) {
		t.Errorf("delete message %v %x, want DELFLOWTABLE %x", b.msgs[0].Header.Type, b.msgs[0].Data, want)
	}
	// An anonymous set is not an object: it goes with its rule.
	anon := nftMsg(unix.NFT_MSG_NEWSET, unix.NFPROTO_IPV4, attrs(nil).str(unix.NFTA_SET_TABLE, "o-filter").str(unix.NFTA_SET_NAME, "__set0").u32(unix.NFTA_SET_FLAGS, unix.NFT_SET_ANONYMOUS))
	if _, _, ok := decodeObject(anon); ok {
		t.Error("anonymous set decoded as an object")
	}
}

// TestObjectsDumpedOnlyWhenThere checks that a read dumps sets, objects
// and flowtables only for a table that holds more than its chains and its
// rules' anonymous sets.
func TestObjectsDumpedOnlyWhenThere(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := incrementalRuleset(t) // multiport rules: anonymous sets
	apply(t, b, rs)
	reads := func() int {
		b.forget()
		obs.Take()
		if p := apply(t, b, rs); !p.Empty() {
			t.Fatalf("re-read: %s", p)
		}
		return obs.Get("dump")
	}
	// One table dump, then the chains of each of the 3 tables and the
	// rules of each chain (readRules).
	want := 1 + 3 + len(rs.Chains)
	if n := reads(); n != want {
		t.Errorf("read with anonymous sets only: %d dumps, want %d", n, want)
	}
	ns.NFT("add set ip nftsync-filter s { type ipv4_addr; }")
	obs.Take()
	apply(t, b, rs)
	if n := obs.Get("dump"); n != want+3 {
		t.Errorf("read with a set added: %d dumps, want %d", n, want+3)
	}
	if strings.Contains(ns.Exec("nft", "list", "table", "ip", "nftsync-filter"), "set s") {
		t.Error("the added set survived Apply")
	}
}
