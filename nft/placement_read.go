package nft

import (
	"fmt"
	"sort"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"golang.org/x/sys/unix"
)

// placedHave is what the placed tables hold, foreign content included.
type placedHave struct {
	tables map[tableID]*haveTable
	// mine says which tables and chains ("TABLE" or "TABLE\x00CHAIN" per
	// family) carry the owner's mark: the owner created them.
	mine map[string]bool
	// use is, per chain the owner created (markKey), the kernel's use
	// count: its rules plus the jumps and gotos to it.
	use map[string]uint32
}

func markKey(id tableID, chain string) string { return famKey(id.Fam, id.Table+"\x00"+chain) }

// readPlaced dumps the placed tables of ids that exist: one table dump, then a
// chain dump per table, and the rules: with all, every chain's, one dump
// each (one for the table past perChainDumps chains; see
// reader.readRules); else only the chains the owner can have rules in
// (built-in chains, the chains it created, the chains pw declares), one
// dump each, so that a large foreign user chain (Docker's, kube-proxy's)
// is never read.
func (b *Backend) readPlaced(pw *placedWant, ids map[tableID]bool, all bool) (*placedHave, error) {
	ph := &placedHave{tables: map[tableID]*haveTable{}, mine: map[string]bool{}, use: map[string]uint32{}}
	if len(ids) == 0 {
		return ph, nil
	}
	msgs, err := dump(b.conn, unix.NFT_MSG_GETTABLE, unix.NFPROTO_UNSPEC, nil)
	if err != nil {
		return nil, fmt.Errorf("dumping tables: %w", err)
	}
	b.observe("dump", 1)
	tables, err := decodeTables(msgs)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !ids[tableID{t.id.Fam, t.name}] {
			continue
		}
		t.id.Table = t.name
		if ph.tables[t.id] == nil {
			ph.tables[t.id] = t
			ph.mine[markKey(t.id, "")] = markedBy(t.udata, b.owner)
		}
	}
	for _, t := range ph.tables {
		msgs, err := dump(b.conn, unix.NFT_MSG_GETCHAIN, nfproto(t.id.Fam), attrs(nil).str(unix.NFTA_CHAIN_TABLE, t.name))
		if err != nil {
			return nil, fmt.Errorf("dumping chains of %s %s: %w", t.id.Fam, t.name, err)
		}
		b.observe("dump", 1)
		if err := addChains(t, msgs); err != nil {
			return nil, err
		}
		chainMarks(ph, t, msgs, b.owner)
		filter := attrs(nil).str(unix.NFTA_RULE_TABLE, t.name)
		// seen catches a rule listed twice across the dumps.
		seen := map[uint64]bool{}
		if all && len(t.chains) > perChainDumps {
			if err := b.readPlacedRules(t, filter, seen); err != nil {
				return nil, err
			}
			continue
		}
		// Chain by chain, as reader.readRules does and for the same
		// reason.
		for _, c := range t.chains {
			if all || firewall.IsBuiltin(t.id.Table, c.name) || ph.mine[markKey(t.id, c.name)] || pw.declares(t.id, c.name) {
				if err := b.readPlacedRules(t, filter.str(unix.NFTA_RULE_CHAIN, c.name), seen); err != nil {
					return nil, err
				}
			}
		}
	}
	return ph, nil
}

// readPlacedRules dumps the rules of t the filter selects; seen holds the
// handles listed by the dumps of t before.
func (b *Backend) readPlacedRules(t *haveTable, filter attrs, seen map[uint64]bool) error {
	msgs, err := dump(b.conn, unix.NFT_MSG_GETRULE, nfproto(t.id.Fam), filter)
	if err != nil {
		return fmt.Errorf("dumping rules of %s %s: %w", t.id.Fam, t.name, err)
	}
	b.observe("dump", 1)
	return addRulesSeen(t, msgs, seen)
}

// chainMarks records the chains of t that carry the owner's mark.
func chainMarks(ph *placedHave, t *haveTable, msgs []netlink.Message, owner string) {
	for _, m := range msgs {
		if m.Header.Type != nftType(unix.NFT_MSG_NEWCHAIN) || len(m.Data) < 4 || m.Data[0] != nfproto(t.id.Fam) {
			continue
		}
		var table, name string
		var ud []byte
		var use uint32
		_ = attrList(m.Data, func(typ uint16, v []byte) error {
			switch typ {
			case unix.NFTA_CHAIN_TABLE:
				table = cstring(v)
			case unix.NFTA_CHAIN_NAME:
				name = cstring(v)
			case unix.NFTA_CHAIN_USE:
				use = be32(v)
			case nftaChainUserdata:
				ud = v
			}
			return nil
		})
		if table == t.name && markedBy(ud, owner) {
			ph.mine[markKey(t.id, name)] = true
			ph.use[markKey(t.id, name)] = use
		}
	}
}

// placedChains returns the owner's chains in the placed tables as iptables
// chains: chains it created or that hold its rules, with its rules only.
// Built-in chains have no policy: the policy is iptables'. A built-in
// chain's Head is how many of the owner's rules come before the first
// foreign one (0 with none): what iptables -I put there, so that a listing
// applied on another host prepends them again.
func (ph *placedHave) placedChains(owner string) ([]*firewall.Chain, error) {
	ids := make([]tableID, 0, len(ph.tables))
	for id := range ph.tables {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return ids[i].Fam < ids[j].Fam || ids[i].Fam == ids[j].Fam && ids[i].Table < ids[j].Table
	})
	var out []*firewall.Chain
	for _, id := range ids {
		ht := ph.tables[id]
		for _, hc := range ht.chains {
			c := &firewall.Chain{Family: id.Fam, Table: id.Table, Name: hc.name}
			foreign := false
			for _, hr := range hc.rules {
				if !markedBy(hr.udata, owner) {
					if !foreign && firewall.IsBuiltin(id.Table, hc.name) {
						foreign, c.Head = true, len(c.Rules)
					}
					continue
				}
				r, err := placedRule(id.Fam, hr)
				if err != nil {
					return nil, fmt.Errorf("reading %s %s %s: %w", id.Fam, ht.name, hc.name, err)
				}
				c.Rules = append(c.Rules, firewall.Rule{Spec: r})
			}
			if len(c.Rules) > 0 || ph.mine[markKey(id, hc.name)] {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// readPlacedChains returns the owner's placed chains for Read: where it
// has placed something (found once in all iptables tables when not known,
// see placedRead), every rule is read. read says whether any of
// iptables' tables was read.
func (b *Backend) readPlacedChains() (_ []*firewall.Chain, read bool, _ error) {
	if b.prevPlaced == nil {
		ids, _ := b.placedRead(nil)
		read = len(ids) > 0
		ph, err := b.readPlaced(nil, ids, false)
		if err != nil {
			return nil, read, err
		}
		b.setPrevPlaced(ph.ownedIn(b.owner))
	}
	ids, _ := b.placedRead(nil)
	read = read || len(ids) > 0
	ph, err := b.readPlaced(nil, ids, true)
	if err != nil {
		return nil, read, err
	}
	chains, err := ph.placedChains(b.owner)
	return chains, read, err
}
