package nft

import (
	"fmt"
	"sort"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/lcs"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// placedPlanner plans the changes in the placed tables. Its batch phases
// are ordered as the owner's (tables, chains, rule deletions, new rules,
// chain deletions) with table deletions last; the whole is appended to the
// owner's batch, so both commit atomically under one generation.
type placedPlanner struct {
	owner                                         string
	pw                                            *placedWant
	ph                                            *placedHave
	tables, chains, dels, adds, chainDels, tblDel batch
	changes                                       []firewall.Change
	// left are the (family, table)s in which the owner has something
	// once the batch is committed.
	left map[tableID]bool
}

// planPlaced returns the batches and changes that take the placed tables
// from ph to pw (nil pw: the owner wants nothing placed, as in CleanUp),
// and the (family, table)s in which the owner has something after them.
// The first batches make and replace (tables, chains, rules), one per
// (family, table); the last removes chains and tables (see addPlaced).
func planPlaced(owner string, pw *placedWant, ph *placedHave) ([]placedChunk, *batch, []firewall.Change, map[tableID]bool, error) {
	if pw == nil {
		pw = &placedWant{}
	}
	p := &placedPlanner{owner: owner, pw: pw, ph: ph, left: map[tableID]bool{}}
	seen := map[tableID]bool{}
	var ids []tableID
	for id := range pw.tables {
		seen[id] = true
		ids = append(ids, id)
	}
	for id := range ph.tables {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		return ids[i].Fam < ids[j].Fam || ids[i].Fam == ids[j].Fam && ids[i].Table < ids[j].Table
	})
	phases := []*batch{&p.tables, &p.chains, &p.dels, &p.adds}
	var chunks []placedChunk
	for _, id := range ids {
		from := make([]int, len(phases))
		for k, ph := range phases {
			from[k] = len(ph.msgs)
		}
		if err := p.table(id, pw.tables[id], ph.tables[id]); err != nil {
			return nil, nil, nil, nil, err
		}
		c := placedChunk{id: id, b: &batch{}}
		for k, ph := range phases {
			c.b.appendBatch(ph.slice(from[k], len(ph.msgs)))
		}
		if len(c.b.msgs) > 0 {
			chunks = append(chunks, c)
		}
	}
	removes := &batch{}
	for _, ph := range []*batch{&p.chainDels, &p.tblDel} {
		removes.appendBatch(ph)
	}
	return chunks, removes, p.changes, p.left, nil
}

// appendBatch appends the messages of o.
func (b *batch) appendBatch(o *batch) {
	b.msgs = append(b.msgs, o.msgs...)
	b.labels = append(b.labels, o.labels...)
	b.rule = append(b.rule, o.rule...)
	b.size += o.size
}

func (p *placedPlanner) change(op firewall.Op, id tableID, chain, r string, pos int) {
	p.changes = append(p.changes, firewall.Change{Op: op, Family: id.Fam, Table: id.Table, Chain: chain, Rule: r, Position: pos})
}

// table plans one placed table; wt or ht is nil when not desired or not
// there.
func (p *placedPlanner) table(id tableID, wt *wantTable, ht *haveTable) error {
	if ht == nil {
		ht = &haveTable{id: id, name: id.Table, byName: map[string]*haveChain{}}
		if wt == nil {
			return nil
		}
		p.tables.newMarked(unix.NFT_MSG_NEWTABLE, head(id.Fam).str(unix.NFTA_TABLE_NAME, id.Table).u32(unix.NFTA_TABLE_FLAGS, 0).
			bytes(nftaTableUserdata, ownerMark(p.owner)), text("table %s %s", id.Fam, id.Table))
		p.ph.mine[markKey(id, "")] = true
	}
	left := 0 // chains that stay
	if wt != nil {
		for _, wc := range wt.chains {
			hc := ht.byName[wc.name]
			if hc == nil {
				a := head(id.Fam).str(unix.NFTA_CHAIN_TABLE, id.Table).str(unix.NFTA_CHAIN_NAME, wc.name)
				if wc.base != nil {
					hook := attrs(nil).u32(unix.NFTA_HOOK_HOOKNUM, wc.base.Hook).u32(unix.NFTA_HOOK_PRIORITY, uint32(wc.base.Priority))
					a = a.nested(unix.NFTA_CHAIN_HOOK, hook).u32(unix.NFTA_CHAIN_POLICY, nfAccept).str(unix.NFTA_CHAIN_TYPE, wc.base.Type)
				}
				p.chains.newMarked(unix.NFT_MSG_NEWCHAIN, a.bytes(nftaChainUserdata, ownerMark(p.owner)),
					text("chain %s %s %s", id.Fam, id.Table, wc.name))
				p.change(firewall.AddChain, id, wc.name, "", 0)
				hc = &haveChain{name: wc.name, base: wc.base}
			} else if !sameHook(hc.base, wc.base) {
				return fmt.Errorf("placing chain %s %s %s: it exists but is not hooked as iptables-nft hooks it; not touching it", id.Fam, id.Table, wc.name)
			}
			p.rules(id, wc, hc, wc.base == nil, p.pw.heads[wc])
		}
		left = len(wt.chains)
	}
	for _, hc := range ht.chains {
		if wt != nil && wt.byName[hc.name] != nil {
			continue
		}
		if p.stale(id, hc) {
			left++
			if p.ph.mine[markKey(id, hc.name)] {
				p.left[id] = true // the owner's, kept for others' sake
			}
		}
	}
	if wt != nil && len(wt.chains) > 0 {
		p.left[id] = true
	}
	if left == 0 && p.ph.mine[markKey(id, "")] && (wt == nil || len(wt.chains) == 0) {
		p.tblDel.add(unix.NFT_MSG_DELTABLE, 0, head(id.Fam).str(unix.NFTA_TABLE_NAME, id.Table),
			text("deleting table %s %s", id.Fam, id.Table), false)
	} else if p.ph.mine[markKey(id, "")] {
		p.left[id] = true
	}
	return nil
}

// newMarked adds a NEWTABLE or NEWCHAIN message.
func (b *batch) newMarked(msg int, a attrs, label func() string) {
	b.add(msg, netlink.Create, a, label, false)
}

// stale removes the owner's rules from a chain no longer desired, and the
// chain when the owner created it and nothing foreign is left: no foreign
// rule and, in a base chain, the policy accept it was created with (a user
// chain the owner created is its own whole). It reports whether the chain
// stays.
func (p *placedPlanner) stale(id tableID, hc *haveChain) bool {
	mine := p.ph.mine[markKey(id, hc.name)]
	// The kernel's use count of a chain is its rules plus the jumps to it.
	if mine && hc.base == nil && p.ph.use[markKey(id, hc.name)] > uint32(len(hc.rules))+p.ownJumps(id, hc.name) {
		// Someone else jumps to it: deleting it would fail the whole
		// batch, and emptying it would change what their jump does.
		return true
	}
	whole := mine && hc.base == nil
	foreign := 0
	for i, hr := range hc.rules {
		if !whole && !markedBy(hr.udata, p.owner) {
			foreign++
			continue
		}
		p.change(firewall.DeleteRule, id, hc.name, describePlaced(id.Fam, hr), i)
		if !whole {
			p.dels.delRule(id.Fam, id.Table, hc.name, hr.handle, text("deleting rule %d of %s %s %s", hr.handle, id.Fam, id.Table, hc.name))
		}
	}
	if !mine || foreign > 0 || hc.base != nil && hc.policy != nfAccept {
		// Not the owner's, or someone else's content or policy (a
		// -P FORWARD DROP on the chain it created) is in it.
		return true
	}
	if whole && len(hc.rules) > 0 {
		p.dels.flushChain(id.Fam, id.Table, hc.name)
	}
	p.chainDels.delChain(id.Fam, id.Table, hc.name)
	p.change(firewall.DeleteChain, id, hc.name, "", 0)
	return false
}

// rules plans one desired placed chain. In a built-in chain (whole false)
// only the owner's rules are considered: those already in desired
// relative order stay where they are, wherever foreign rules are (a
// foreign rule inserted above them later is tolerated, not fought over,
// as the iptables engine does). The first head desired rules are
// prepended: a new one goes right before the next kept prepended rule or,
// failing that, right before the first rule that stays after the last kept
// prepended one (with none kept, at the head of the chain). The others are
// appended: right before the next kept appended rule, or at the end of the
// chain. So a fresh Apply puts the prepended rules first, in order, ahead
// of every foreign rule, and the appended ones last. In a user chain
// (whole) every rule that is not desired goes and head does not matter.
func (p *placedPlanner) rules(id tableID, wc *wantChain, hc *haveChain, whole bool, head int) {
	// Rules are numbered by their iptables form. Userdata alone does not
	// tell rules apart that differ only in their comment (it is left out
	// of the spec, see placedUserData): the expressions do.
	ids := map[string]int{}
	byUd := map[string][]*entry{}
	want := make([]int, len(wc.rules))
	for j, wr := range wc.rules {
		n, ok := ids[wr.ent.spec]
		if !ok {
			n = len(ids)
			ids[wr.ent.spec] = n
			k := string(wr.ent.userdata())
			byUd[k] = append(byUd[k], wr.ent)
		}
		want[j] = n
	}
	var have, at, stale []int
	stays := make([]bool, len(hc.rules))
	for i, hr := range hc.rules {
		if !whole && !markedBy(hr.udata, p.owner) {
			stays[i] = true // foreign
			continue
		}
		found := false
		for _, e := range byUd[string(hr.udata)] {
			if sameExprs(nfproto(id.Fam), hr.elems, e) {
				have = append(have, ids[e.spec])
				at = append(at, i)
				found = true
				break
			}
		}
		if !found {
			stale = append(stale, i)
		}
	}
	match := lcs.Match(have, want)
	kept := make([]bool, len(have))
	lastKeptHead := -1
	for j, k := range match {
		if k >= 0 {
			kept[k] = true
			stays[at[k]] = true
			if j < head {
				lastKeptHead = max(lastKeptHead, at[k])
			}
		}
	}
	for k, ok := range kept {
		if !ok {
			stale = append(stale, at[k])
		}
	}
	sort.Ints(stale)
	for _, i := range stale {
		hr := hc.rules[i]
		d := describePlaced(id.Fam, hr)
		p.dels.delRule(id.Fam, id.Table, wc.name, hr.handle, func() string { return "deleting " + d })
		p.change(firewall.DeleteRule, id, wc.name, d, i)
	}
	before := make([]uint64, len(wc.rules))
	var next uint64 // appended rules: at the end
	for j := len(wc.rules) - 1; j >= 0; j-- {
		if j == head-1 {
			next = 0
			for i := lastKeptHead + 1; i < len(hc.rules); i++ {
				if stays[i] {
					next = hc.rules[i].handle
					break
				}
			}
		}
		before[j] = next
		if match[j] >= 0 {
			next = hc.rules[at[match[j]]].handle
		}
	}
	for j, wr := range wc.rules {
		if match[j] >= 0 {
			continue
		}
		// A placed entry has no anonymous sets: newRule cannot fail.
		_ = p.adds.newRule(id.Fam, id.Table, wc.name, wr, before[j])
		p.change(firewall.AddRule, id, wc.name, wr.ent.spec, j)
	}
}

// describePlaced names a rule of a placed table in iptables terms.
func describePlaced(fam rule.Family, hr *haveRule) string {
	if r, err := placedRule(fam, hr); err == nil {
		return r.String()
	}
	return describe(fam, hr)
}

// ownJumps counts the owner's rules in the placed table that jump or go
// to chain (all of them go when chain does: no desired rule can jump to a
// chain no longer declared).
func (p *placedPlanner) ownJumps(id tableID, chain string) uint32 {
	var n uint32
	for _, hc := range p.ph.tables[id].chains {
		for _, hr := range hc.rules {
			if !markedBy(hr.udata, p.owner) {
				continue
			}
			if r, err := placedRule(id.Fam, hr); err == nil {
				if j, ok := r.Target.(*rule.Jump); ok && j.Chain == chain {
					n++
				}
			}
		}
	}
	return n
}
