package nft

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// A table's name says whose it would be; its mark says that nftsync made
// it. nftsync creates each table with userdata (NFTA_TABLE_USERDATA) whose
// comment TLV (the one nft shows as `comment "..."`) is "nftsync owner
// OWNER". The kernel keeps a table's userdata for the table's life: it
// ignores the userdata of a NEWTABLE for a table that exists (measured on
// 6.18), so no later message changes the mark.
//
// A table named like an owned one but without the owner's mark is
// someone else's, whatever its name: nftsync does not list, change or
// delete it (CleanUp included), and an Apply that needs that table fails
// with ErrForeignTable, changing nothing. One exception is for upgrades:
// nftsync before the mark made unmarked tables. An unmarked table whose
// every rule carries nftsync's spec in its userdata, that holds no set or
// stateful object, and that has at least one rule, or else only chains
// hooked exactly as nftsync hooks chains of their names (an earlier
// nftsync's table of empty chains), was made by nftsync; it is adopted:
// Apply deletes it and creates it afresh, marked, with the desired chains
// and rules, in the same atomic batch (CleanUp deletes it). An empty table
// made by hand, or one with a rule or set of someone else, stays foreign.

// NFTA_TABLE_USERDATA and NFTA_CHAIN_USERDATA (linux/netfilter/nf_tables.h),
// which golang.org/x/sys does not name.
const (
	nftaTableUserdata = 6
	nftaChainUserdata = 12
)

// markPrefix starts the comment that marks an owner's table.
const markPrefix = "nftsync owner "

// AdoptTable is the change that re-creates, marked, a table an earlier
// nftsync made without the mark (see ownership.go).
const AdoptTable firewall.Op = "adopt-table"

// ErrForeignTable says that a table named like one the owner needs exists
// and was not made by nftsync for that owner.
var ErrForeignTable = errors.New("exists and was not created by nftsync for this owner")

// tableMark is the userdata of a table owner creates.
func tableMark(owner string) []byte {
	return userdata.AppendString(nil, userdata.TypeComment, markPrefix+owner)
}

// markOwner returns the owner named by a table's userdata; ok is false
// when it carries no mark. Userdata written by others may be malformed:
// the TLVs are walked with bounds checks.
func markOwner(ud []byte) (owner string, ok bool) {
	for len(ud) >= 2 {
		typ, n := ud[0], int(ud[1])
		if 2+n > len(ud) {
			return "", false
		}
		v := ud[2 : 2+n]
		ud = ud[2+n:]
		if userdata.Type(typ) != userdata.TypeComment {
			continue
		}
		s := strings.TrimSuffix(string(v), "\x00")
		if o, found := strings.CutPrefix(s, markPrefix); found {
			return o, true
		}
	}
	return "", false
}

// newOwnedTable creates an owner's table, marked.
func (b *batch) newOwnedTable(fam rule.Family, name, owner string) {
	b.add(unix.NFT_MSG_NEWTABLE, netlink.Create|netlink.Excl,
		head(fam).str(unix.NFTA_TABLE_NAME, name).u32(unix.NFTA_TABLE_FLAGS, 0).bytes(nftaTableUserdata, tableMark(owner)),
		text("table %s %s", fam, name), false)
}

// adoptable reports whether an unmarked table was made by an earlier
// nftsync (see above).
func adoptable(t *haveTable) bool {
	if len(t.objects) > 0 || len(t.chains) == 0 {
		return false
	}
	rules, hookedAsOurs := 0, true
	for _, c := range t.chains {
		hookedAsOurs = hookedAsOurs && sameHook(c.base, base(t.id.Table, c.name))
		for _, r := range c.rules {
			if _, err := parseStored(t.id.Fam, r.udata, r.elems); err != nil {
				return false
			}
			rules++
		}
	}
	return rules > 0 || hookedAsOurs
}

// foreignError is the error for a foreign table in the way of an Apply.
func foreignError(owner string, fam rule.Family, name string) error {
	return fmt.Errorf("table %s %s %w %q (it has no \"%s%s\" comment): not taking it over; delete it or use another owner",
		fam, name, ErrForeignTable, owner, markPrefix, owner)
}
