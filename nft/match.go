package nft

import (
	"github.com/nftsync/nftsync/internal/lcs"
	"github.com/nftsync/nftsync/rule"
)

// matchRules matches a chain's actual rules with its desired ones: for
// each desired rule, the index of the actual rule it is kept as, or -1
// (lcs.Match of their identities). The common prefix and suffix are found
// by comparing entries, so that a long chain with one change numbers only
// the rules around it instead of building a map of all of them (at 100k
// rules, that map was most of a one-rule Apply's own CPU).
func (p *planner) matchRules(fam rule.Family, have []*haveRule, want []*wantRule) []int {
	same := func(i, j int) bool {
		if e := have[i].ent; e != nil && e == want[j].ent {
			// The same entry (without reading it: a long chain's
			// entries are all over the heap).
			return true
		}
		e := p.identify(fam, have[i])
		return e != nil && e == p.d.class(want[j].ent)
	}
	n, m := len(have), len(want)
	pre := 0
	for pre < n && pre < m && same(pre, pre) {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && same(n-1-suf, m-1-suf) {
		suf++
	}
	match := make([]int, m)
	for j := range match {
		match[j] = -1
	}
	for j := 0; j < pre; j++ {
		match[j] = j
	}
	for x := 0; x < suf; x++ {
		match[m-1-x] = n - 1 - x
	}
	hm, wm := have[pre:n-suf], want[pre:m-suf]
	if len(hm) == 0 || len(wm) == 0 {
		return match
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
		haveIDs[i] = -1 - i
		if e := p.identify(fam, hr); e != nil {
			if id, found := ids[e]; found {
				haveIDs[i] = id
				recognised = true
			}
		}
	}
	if !recognised {
		// Nothing to keep in the middle (a replacement of every rule):
		// the diff would search up to its bound of edits to find that
		// out.
		return match
	}
	for j, i := range lcs.Match(haveIDs, wantIDs) {
		if i >= 0 {
			match[pre+j] = pre + i
		}
	}
	return match
}

// unchanged reports whether a chain's rules in memory are its desired
// ones, the same entries in the same order: its next state is then the
// same rules (not copied, so that the unchanged chains of a long ruleset
// cost no allocation). Dumped rules are never shared: they hold the
// dump's buffers.
func unchanged(have []*haveRule, want []*wantRule) bool {
	if len(have) != len(want) {
		return false
	}
	for j, hr := range have {
		if hr.ent != want[j].ent || hr.elems != nil || hr.udata != nil {
			return false
		}
	}
	return true
}
