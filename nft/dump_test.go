package nft

import (
	"errors"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// The kernel's table and chain dumps resume each reply at an index that
// counts entries a concurrent transaction has not committed yet, which the
// previous reply skipped without counting: next to another writer, a dump
// lists some entries twice without marking anything interrupted (found by
// TestStressConcurrentOwners: Read returned a chain twice). These tests
// feed such dumps to the decoders.

func nftMsg(typ int, fam uint8, a attrs) netlink.Message {
	return netlink.Message{Header: netlink.Header{Type: nftType(typ)}, Data: append(nfgen(fam, 0), a...)}
}

func TestDumpListsTwice(t *testing.T) {
	tableMsg := func(fam uint8, name string) netlink.Message {
		return nftMsg(unix.NFT_MSG_NEWTABLE, fam, attrs(nil).str(unix.NFTA_TABLE_NAME, name).u32(unix.NFTA_TABLE_FLAGS, 0).bytes(nftaTableUserdata, tableMark("o")))
	}
	st := &actual{tables: map[tableID]*haveTable{}}
	msgs := []netlink.Message{
		tableMsg(unix.NFPROTO_IPV4, "o-filter"), tableMsg(unix.NFPROTO_IPV4, "o-nat"),
		tableMsg(unix.NFPROTO_IPV4, "other"), tableMsg(unix.NFPROTO_IPV4, "o-nat"),
		tableMsg(unix.NFPROTO_IPV6, "o-filter"), tableMsg(unix.NFPROTO_IPV4, "o-filter"),
	}
	if err := addTables(st, "o", msgs); err != nil {
		t.Fatal(err)
	}
	if len(st.tables) != 3 {
		t.Errorf("tables %v, want ip o-filter, ip o-nat, ip6 o-filter", st.tables)
	}

	ht := &haveTable{id: tableID{rule.IPv4, "filter"}, name: "o-filter", byName: map[string]*haveChain{}}
	chainMsg := func(table, name string) netlink.Message {
		return nftMsg(unix.NFT_MSG_NEWCHAIN, unix.NFPROTO_IPV4, attrs(nil).str(unix.NFTA_CHAIN_TABLE, table).str(unix.NFTA_CHAIN_NAME, name))
	}
	msgs = []netlink.Message{
		chainMsg("o-filter", "A"), chainMsg("o-filter", "B"), chainMsg("o-nat", "A"),
		chainMsg("o-filter", "B"), chainMsg("o-filter", "C"), chainMsg("o-filter", "A"),
	}
	if err := addChains(ht, msgs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range ht.chains {
		names = append(names, c.name)
	}
	if len(names) != 3 || names[0] != "A" || names[1] != "B" || names[2] != "C" || len(ht.byName) != 3 {
		t.Errorf("chains %q, want [A B C]", names)
	}

	ruleMsg := func(chain string, handle uint64) netlink.Message {
		return nftMsg(unix.NFT_MSG_NEWRULE, unix.NFPROTO_IPV4, attrs(nil).str(unix.NFTA_RULE_TABLE, "o-filter").str(unix.NFTA_RULE_CHAIN, chain).u64(unix.NFTA_RULE_HANDLE, handle))
	}
	if err := addRules(ht, []netlink.Message{ruleMsg("A", 4), ruleMsg("B", 5), ruleMsg("A", 6)}); err != nil {
		t.Fatal(err)
	}
	if n := len(ht.byName["A"].rules); n != 2 {
		t.Errorf("chain A has %d rules, want 2", n)
	}
	// A rule listed twice cannot be told from two rules: the read is
	// retried.
	err := addRules(ht, []netlink.Message{ruleMsg("C", 7), ruleMsg("C", 7)})
	if !errors.Is(err, errInterrupted) {
		t.Errorf("rule listed twice: %v, want errInterrupted", err)
	}
}
