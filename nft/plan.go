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
// desired one, and the same changes in iptables terms.
//
// The batch is ordered so that every message is valid where it stands:
// tables, then chains (so that jumps find their targets), then stale rules
// deleted (dropping references to chains about to go), then new rules, then
// stale chains deleted.
type planner struct {
	d  *desired
	st *actual
	// phases of the batch, concatenated at the end
	tables, chains, dels, adds, chainDels batch
	changes                               []firewall.Change
}

// makePlan diffs desired against actual.
func makePlan(d *desired, st *actual) (*batch, []firewall.Change, error) {
	p := &planner{d: d, st: st}
	for _, wt := range d.tables {
		if err := p.table(wt, st.tables[wt.id]); err != nil {
			return nil, nil, err
		}
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
	out := &p.tables
	for _, ph := range []*batch{&p.chains, &p.dels, &p.adds, &p.chainDels} {
		out.msgs = append(out.msgs, ph.msgs...)
		out.labels = append(out.labels, ph.labels...)
		out.rule = append(out.rule, ph.rule...)
		out.size += ph.size
	}
	return out, p.changes, nil
}

// table plans one desired table; ht is nil when it does not exist.
func (p *planner) table(wt *wantTable, ht *haveTable) error {
	fam := wt.id.Fam
	if ht == nil {
		p.tables.newTable(fam, wt.name)
		ht = &haveTable{id: wt.id, name: wt.name, byName: map[string]*haveChain{}}
	} else if ht.flags&unix.NFT_TABLE_F_DORMANT != 0 {
		// Someone made the table dormant: wake it up.
		p.tables.newTable(fam, wt.name)
		p.change(WakeTable, wt.id, "", "", 0)
	}
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
		if err := p.rules(wt, wc, hc); err != nil {
			return err
		}
	}
	for _, hc := range ht.chains {
		if wt.byName[hc.name] == nil {
			p.dropChain(ht, hc)
		}
	}
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
func (p *planner) rules(wt *wantTable, wc *wantChain, hc *haveChain) error {
	fam := wt.id.Fam
	ids := make(map[string]int, len(wc.rules))
	want := make([]int, len(wc.rules))
	for j, wr := range wc.rules {
		id, ok := ids[wr.key]
		if !ok {
			id = len(ids)
			ids[wr.key] = id
		}
		want[j] = id
	}
	have := make([]int, len(hc.rules))
	for i, hr := range hc.rules {
		have[i] = -1 - i
		if key, ok := p.key(fam, hr); ok {
			if id, found := ids[key]; found {
				have[i] = id
			}
		}
	}
	match := matchRules(have, want)
	kept := make([]bool, len(hc.rules))
	for _, i := range match {
		if i >= 0 {
			kept[i] = true
		}
	}
	for i, hr := range hc.rules {
		if !kept[i] {
			d := describe(fam, hr)
			p.dels.delRule(fam, wt.name, wc.name, hr.handle, func() string { return "deleting " + d })
			p.change(firewall.DeleteRule, wt.id, wc.name, d, i)
		}
	}
	// before[j] is the handle of the next kept rule after j (0: none).
	var next uint64
	before := make([]uint64, len(wc.rules))
	for j := len(wc.rules) - 1; j >= 0; j-- {
		before[j] = next
		if match[j] >= 0 {
			next = hc.rules[match[j]].handle
		}
	}
	for j, wr := range wc.rules {
		if match[j] >= 0 {
			continue
		}
		if err := p.adds.newRule(fam, wt.name, wc.name, wr, before[j]); err != nil {
			return err
		}
		p.change(firewall.AddRule, wt.id, wc.name, wr.spec(), j)
	}
	return nil
}

func (p *planner) change(op firewall.Op, id tableID, chain, r string, pos int) {
	p.changes = append(p.changes, firewall.Change{Op: op, Family: id.Fam, Table: id.Table, Chain: chain, Rule: r, Position: pos})
}

// key returns the identity of a dumped rule, comparable with wantRule.key;
// false when the rule cannot be decoded (it is then never kept).
func (p *planner) key(fam rule.Family, hr *haveRule) (string, bool) {
	cand := p.d.byUdata[udKey(fam, hr.udata)]
	f := nfproto(fam)
	norms := make([][]byte, len(hr.elems))
	fast := cand != nil && len(cand.elems) == len(hr.elems)
	for i, el := range hr.elems {
		if cand != nil && i < len(cand.elems) && bytes.Equal(el, cand.elems[i]) {
			norms[i] = cand.norms[i]
			continue
		}
		e, err := decodeElem(f, el)
		if err != nil {
			return "", false
		}
		nb, err := normBytes(f, e)
		if err != nil {
			return "", false
		}
		norms[i] = nb
		fast = fast && bytes.Equal(nb, cand.norms[i])
	}
	if fast {
		return cand.key, true
	}
	return ruleKey(hr.udata, norms), true
}

// describe names a dumped rule in iptables terms for plans and errors.
func describe(fam rule.Family, hr *haveRule) string {
	if r, err := parseUserData(fam, hr.udata); err == nil {
		return r.String()
	}
	return fmt.Sprintf("<rule not written by nftsync, handle %d>", hr.handle)
}
