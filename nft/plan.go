package nft

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// WakeTable is the change that clears the dormant flag someone set on an
// owned table (its chains were unhooked).
const WakeTable firewall.Op = "wake-table"

// planner computes the batch that takes the actual owned state to the
// desired one, the same changes in iptables terms, and the state the
// kernel holds once the batch is committed.
//
// The batch is ordered so that every message is valid where it stands:
// tables, then chains (so that jumps find their targets), then stale rules
// deleted (dropping references to chains, sets and objects about to go),
// then foreign sets, objects and flowtables deleted (a verdict map refers
// to chains), then new rules, then stale chains deleted.
type planner struct {
	d  *desired
	st *actual
	// phases of the batch, concatenated at the end
	tables, chains, dels, objDels, adds, chainDels batch
	changes                                        []firewall.Change
	next                                           *actual
	// added lists the new rules of next with the index of the NEWRULE
	// message in adds that creates them; their handles are learnt once
	// the batch is committed.
	added []pendingRule
	// tableAdds is, per owned table, the range of adds it uses.
	tableAdds [][2]int
}

// pendingRule is a rule of the next state waiting for its handle.
type pendingRule struct {
	hr  *haveRule
	msg int
}

// plan is the result of makePlan.
type plan struct {
	batch   *batch
	changes []firewall.Change
	// next is the owned state once the batch is committed; its new rules
	// have handle 0 until learnt (see learnHandles).
	next  *actual
	added []pendingRule
	// groups are the ranges of batch messages that allocate handles from
	// one table's counter, in order.
	groups [][2]int
	// tableAt is where each owned table's new rules start in batch, in
	// the desired state's order of tables; addsEnd is where they end
	// (see insertPlaced).
	tableAt []tableStart
	addsEnd int
}

// tableStart is the index of the first new rule of an owned table.
type tableStart struct {
	id tableID
	at int
}

// makePlan diffs desired against actual.
func makePlan(d *desired, st *actual) (*plan, error) {
	p := &planner{d: d, st: st, next: &actual{tables: make(map[tableID]*haveTable, len(d.tables))}}
	if len(st.tables) == 0 {
		// A cold apply adds every chain and rule: room for all at once.
		n := d.rules
		for _, wt := range d.tables {
			n += len(wt.chains)
		}
		p.changes = make([]firewall.Change, 0, n)
		p.adds.grow(d.rules)
		p.added = make([]pendingRule, 0, d.rules)
	}
	for _, wt := range d.tables {
		if name, ok := st.foreign[wt.id]; ok {
			return nil, foreignError(d.owner, wt.id.Fam, name)
		}
		start := len(p.adds.msgs)
		if err := p.table(wt, st.tables[wt.id]); err != nil {
			return nil, err
		}
		p.tableAdds = append(p.tableAdds, [2]int{start, len(p.adds.msgs)})
	}
	var stale []*haveTable
	for id, ht := range st.tables {
		if d.byID[id] == nil {
			stale = append(stale, ht)
		}
	}
	sort.Slice(stale, func(i, j int) bool {
		a, b := stale[i].id, stale[j].id
		return a.Fam < b.Fam || a.Fam == b.Fam && a.Table < b.Table
	})
	for _, ht := range stale {
		// Deleting a table deletes its chains and rules.
		for _, hc := range ht.chains {
			p.describeDeletes(ht, hc)
			p.change(firewall.DeleteChain, ht.id, hc.name, "", 0)
		}
		p.tables.delTable(ht.id.Fam, ht.name)
	}
	p.quietStart(st)
	out := &p.tables
	addsAt := 0
	phases := []*batch{&p.chains, &p.dels, &p.objDels, &p.adds, &p.chainDels}
	n := 0
	for _, ph := range phases {
		n += len(ph.msgs)
	}
	out.grow(n) // once: a cold apply moves every rule's message here
	for _, ph := range phases {
		if ph == &p.adds {
			addsAt = len(out.msgs)
		}
		out.msgs = append(out.msgs, ph.msgs...)
		out.labels = append(out.labels, ph.labels...)
		out.rule = append(out.rule, ph.rule...)
		out.size += ph.size
	}
	for i := range p.added {
		p.added[i].msg += addsAt
	}
	d.shrinkBuilt()
	pl := &plan{batch: out, changes: p.changes, next: p.next, added: p.added}
	for i, r := range p.tableAdds {
		if r[1] > r[0] {
			pl.groups = append(pl.groups, [2]int{r[0] + addsAt, r[1] + addsAt})
		}
		pl.tableAt = append(pl.tableAt, tableStart{d.tables[i].id, r[0] + addsAt})
	}
	pl.addsEnd = addsAt + len(p.adds.msgs)
	return pl, nil
}

// table plans one desired table; ht is nil when it does not exist.
func (p *planner) table(wt *wantTable, ht *haveTable) error {
	fam := wt.id.Fam
	if ht != nil && ht.adopt {
		// Made by an earlier nftsync without the mark: re-created,
		// marked (see ownership.go).
		p.tables.delTable(fam, ht.name)
		p.change(AdoptTable, wt.id, "", "", 0)
		ht = nil
	}
	if ht == nil {
		p.tables.newOwnedTable(fam, wt.name, p.d.owner)
		ht = &haveTable{id: wt.id, name: wt.name, byName: map[string]*haveChain{}}
	} else if ht.flags&unix.NFT_TABLE_F_DORMANT != 0 {
		// Someone made the table dormant: wake it up.
		p.tables.newTable(fam, wt.name)
		p.change(WakeTable, wt.id, "", "", 0)
	}
	nt := &haveTable{id: wt.id, name: wt.name, byName: make(map[string]*haveChain, len(wt.chains))}
	p.next.tables[wt.id] = nt
	for _, wc := range wt.chains {
		hc := ht.byName[wc.name]
		if hc != nil && !sameHook(hc.base, wc.base) {
			// Hook, type or priority changed: only a new chain fixes it.
			p.dropChainNow(ht, hc)
			hc = nil
		}
		if hc == nil {
			p.chains.newChain(fam, wt.name, wc)
			p.change(firewall.AddChain, wt.id, wc.name, "", 0)
			hc = &haveChain{name: wc.name}
		} else if wc.base != nil && hc.policy != wc.policy {
			p.chains.setPolicy(fam, wt.name, wc)
			p.change(firewall.SetPolicy, wt.id, wc.name, policyName(wc.policy), 0)
		}
		nc := &haveChain{name: wc.name, base: wc.base, policy: wc.policy, udata: wc.udata}
		nt.chains = append(nt.chains, nc)
		nt.byName[nc.name] = nc
		if err := p.rules(wt, wc, hc, nc); err != nil {
			return err
		}
	}
	for _, hc := range ht.chains {
		if wt.byName[hc.name] == nil {
			p.dropChain(ht, hc)
		}
	}
	p.dropObjects(ht)
	return nil
}

// sameHook reports whether a chain is hooked as wanted (nil: regular chain).
func sameHook(have, want *baseSpec) bool {
	if have == nil || want == nil {
		return have == want
	}
	return *have == *want
}

// dropChain deletes a stale chain: its rules first (they may jump to other
// stale chains), the chain itself in the last phase.
func (p *planner) dropChain(ht *haveTable, hc *haveChain) {
	p.describeDeletes(ht, hc)
	p.dels.flushChain(ht.id.Fam, ht.name, hc.name)
	p.chainDels.delChain(ht.id.Fam, ht.name, hc.name)
	p.change(firewall.DeleteChain, ht.id, hc.name, "", 0)
}

// dropChainNow deletes a chain that is re-created in the same batch.
func (p *planner) dropChainNow(ht *haveTable, hc *haveChain) {
	p.describeDeletes(ht, hc)
	p.chains.delChain(ht.id.Fam, ht.name, hc.name)
	p.change(firewall.DeleteChain, ht.id, hc.name, "", 0)
}

func (p *planner) describeDeletes(ht *haveTable, hc *haveChain) {
	for i, hr := range hc.rules {
		p.change(firewall.DeleteRule, ht.id, hc.name, describe(ht.id.Fam, hr), i)
	}
}

// rules plans the rules of one chain: kept rules keep their handles, stale
// ones are deleted by handle, new ones inserted before the next kept rule.
// nc receives the chain's rules as they will be.
func (p *planner) rules(wt *wantTable, wc *wantChain, hc *haveChain, nc *haveChain) error {
	fam := wt.id.Fam
	if unchanged(hc.rules, wc.rules) {
		nc.rules = hc.rules
		return nil
	}
	mt := p.matchRules(fam, seqOf(hc.rules), wc.rules)
	match := mt.full()
	kept := make([]bool, len(hc.rules))
	for _, i := range match {
		if i >= 0 {
			kept[i] = true
		}
	}
	// before[j] is the handle of the next kept rule after j (0: none),
	// at position at[j] of the chain.
	var next uint64
	nextAt := 0
	before := make([]uint64, len(wc.rules))
	var deleted, inserted []int
	nkept := 0
	for j := len(wc.rules) - 1; j >= 0; j-- {
		before[j] = next
		if match[j] >= 0 {
			next, nextAt = hc.rules[match[j]].handle, match[j]
			nkept++
		} else if next != 0 {
			inserted = append(inserted, nextAt)
		}
	}
	for i := range hc.rules {
		if !kept[i] {
			deleted = append(deleted, i)
		}
	}
	// flush: the chain is flushed and every rule added again, in order
	// (see cost.go).
	flush := flushCheaper(len(hc.rules), deleted, inserted, nkept)
	// Room for the changes and messages below at once: growing them by
	// doubling copied 100k-rule plans several times over.
	adds := len(wc.rules) - nkept
	if flush {
		adds = len(wc.rules)
	}
	p.changes = grown(p.changes, len(deleted)+len(wc.rules)-nkept)
	p.adds.grow(adds)
	p.added = grown(p.added, adds)
	if flush {
		p.dels.flushChain(fam, wt.name, wc.name)
	}
	p.expand(wc, match, flush)
	for _, i := range deleted {
		hr := hc.rules[i]
		d := describe(fam, hr)
		if !flush {
			p.dels.delRule(fam, wt.name, wc.name, hr.handle, func() string { return "deleting " + d })
		}
		p.change(firewall.DeleteRule, wt.id, wc.name, d, i)
	}
	nc.rules = make([]*haveRule, len(wc.rules))
	for j, wr := range wc.rules {
		if hr := keep(hc, match[j], wr, flush); hr != nil {
			nc.rules[j] = hr
			continue
		}
		nr := &haveRule{ent: wr.ent}
		nc.rules[j] = nr
		if match[j] >= 0 && !flush {
			nr.handle = hc.rules[match[j]].handle
			continue
		}
		pos := before[j]
		if flush {
			pos = 0
		}
		p.added = append(p.added, pendingRule{hr: nr, msg: len(p.adds.msgs)})
		if err := p.adds.newRule(fam, wt.name, wc.name, wr, pos); err != nil {
			return err
		}
		// newRule may add the rule's sets first: the rule is the last
		// message.
		p.added[len(p.added)-1].msg = len(p.adds.msgs) - 1
		if match[j] < 0 {
			p.change(firewall.AddRule, wt.id, wc.name, p.d.text(wr.ent), j)
		}
	}
	return nil
}

func (p *planner) change(op firewall.Op, id tableID, chain, r string, pos int) {
	p.changes = append(p.changes, firewall.Change{Op: op, Family: id.Fam, Table: id.Table, Chain: chain, Rule: r, Position: pos})
}

// identify returns the desired entry a rule of the actual state is, or
// nil when it is none of them (or cannot be decoded: it is then never
// kept). A dumped rule is the entry its userdata names when its
// expressions are the entry's (see sameExprs).
func (p *planner) identify(fam rule.Family, hr *haveRule) *entry {
	if hr.ent != nil {
		return hr.ent
	}
	p.d.index()
	e := p.d.byUdata[famKey(fam, string(hr.udata))]
	if e == nil || !sameExprs(nfproto(fam), hr.elems, e) {
		return nil
	}
	hr.ent = e
	return e
}

// sameExprs reports whether dumped expressions are the entry's: each is
// byte-identical to the one installed (no decoding), or equal to its
// normal form once decoded and normalised (live counters, kernel
// defaults).
func sameExprs(fam byte, elems [][]byte, e *entry) bool {
	return e.sameExprs(fam, elems)
}

// sameNorm reports whether a dumped expression, decoded and normalised,
// is norm.
func sameNorm(fam byte, el, norm []byte) bool {
	x, err := decodeElem(fam, el)
	if err != nil {
		return false
	}
	nb, err := normBytes(fam, x)
	return err == nil && bytes.Equal(nb, norm)
}

// describe names a dumped rule in iptables terms for plans and errors.
func describe(fam rule.Family, hr *haveRule) string {
	if hr.ent != nil {
		return hr.ent.text()
	}
	if r, err := parseStored(fam, hr.udata, hr.elems); err == nil {
		return r.String()
	}
	return fmt.Sprintf("<rule not written by nftsync, handle %d>", hr.handle)
}
