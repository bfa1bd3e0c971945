package nft

import (
	"github.com/nftsync/nftsync/internal/lcs"
	"github.com/nftsync/nftsync/rule"
)

// match returns, for each desired rule of wc, the index of the rule of hc
// it is kept as, or -1 when it must be added: a longest common subsequence
// of the two chains, rules compared by the entry they are (see identify
// and desired.class). The common prefix and suffix are found by comparing
// entries in place, so that a one-rule change of a 100k-rule chain numbers
// and indexes only the rules between them (a map of 100k entries per Set
// was most of the planner's time); lcs.Match diffs the middle.
func (p *planner) match(fam rule.Family, wc *wantChain, hc *haveChain) []int {
	want, have := wc.rules, hc.rules
	match := make([]int, len(want))
	same := func(i, j int) bool {
		if e := have[i].ent; e != nil && e == want[j].ent {
			// The same entry (identify returns it; class maps it to
			// one class), without reading the entry itself.
			return true
		}
		e := p.identify(fam, have[i])
		return e != nil && e == p.d.class(want[j].ent)
	}
	pre := 0
	for pre < len(have) && pre < len(want) && same(pre, pre) {
		match[pre] = pre
		pre++
	}
	suf := 0
	for suf < len(have)-pre && suf < len(want)-pre && same(len(have)-1-suf, len(want)-1-suf) {
		match[len(want)-1-suf] = len(have) - 1 - suf
		suf++
	}
	wm, hm, mid := want[pre:len(want)-suf], have[pre:len(have)-suf], match[pre:len(want)-suf]
	for j := range mid {
		mid[j] = -1
	}
	ids := make(map[*entry]int, len(wm))
	wantIDs := make([]int, len(wm))
	for j, wr := range wm {
		e := p.d.class(wr.ent)
		id, ok := ids[e]
		if !ok {
			id = len(ids)
			ids[e] = id
		}
		wantIDs[j] = id
	}
	haveIDs := make([]int, len(hm))
	recognised := false
	for i, hr := range hm {
		// Identified even when nothing is left to match, so that
		// deletions are described by their entries.
		haveIDs[i] = -1 - i
		if e := p.identify(fam, hr); e != nil {
			if id, found := ids[e]; found {
				haveIDs[i] = id
				recognised = true
			}
		}
	}
	if !recognised {
		// Nothing to keep (a replacement of every rule): the diff
		// would search up to maxEdits edits to find that out.
		return match
	}
	for j, i := range lcs.Match(haveIDs, wantIDs) {
		if i >= 0 {
			mid[j] = pre + i
		}
	}
	return match
}

// keep returns the record of hc's rule i (match[j] of desired rule wr) when
// the next state can share it: the rule is kept as it is (no flush), as the
// same entry, and the record is one nftsync wrote (a dumped one holds the
// dump's buffers, which the next state should not keep alive). A committed
// record is never modified, so sharing it costs nothing and a one-rule
// change allocates one record, not one per rule of the chain.
func keep(hc *haveChain, i int, wr *wantRule, flush bool) *haveRule {
	if i < 0 || flush {
		return nil
	}
	if hr := hc.rules[i]; hr.ent == wr.ent && hr.udata == nil && hr.elems == nil {
		return hr
	}
	return nil
}
