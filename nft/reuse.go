package nft

import (
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// A desired state passed again with a rule or two changed (Kilo rebuilds
// its whole list for every Set; the controller hands the unchanged
// *rule.Rule values on) finds each rule's entry at the same place in the
// same chain of the previous compile, or at a constant offset after an
// insertion or a deletion: one pointer comparison a rule, no map of every
// rule ever seen. Only when many rules in a row are not where the previous
// compile had them is that chain indexed by pointer, once.

// realignAfter is how many rules in a row may miss their place (or the
// one next to it) before the previous chain is indexed.
const realignAfter = 8

// chainHint finds rules in one chain of the previous compile.
type chainHint struct {
	prev *wantChain
	// src are the rules prev was compiled from (rule j of prev is
	// src[j]), read in place of following each of prev's rules.
	src    []firewall.Rule
	off    int // rule i of the new chain is rule i+off of prev
	misses int
	byPtr  map[*rule.Rule]int
}

// chain returns the hint for a chain of d (nil d or chain: no hint).
func (d *desired) chain(id tableID, name string) *chainHint {
	if d == nil {
		return nil
	}
	t := d.byID[id]
	if t == nil || t.byName[name] == nil {
		return nil
	}
	h := &chainHint{prev: t.byName[name]}
	if rs := h.prev.rules; len(rs) > 0 {
		// compile makes rule j of a chain from rule j of one
		// firewall.Chain (checked at both ends).
		first, last := rs[0], rs[len(rs)-1]
		if first.src != nil && last.src == first.src && first.idx == 0 && last.idx == len(rs)-1 && len(first.src.Rules) == len(rs) {
			h.src = first.src.Rules
		}
	}
	return h
}

// spec returns the parsed rule of the previous chain's rule j.
func (h *chainHint) spec(j int) *rule.Rule {
	if h.src != nil {
		return h.src[j].Spec
	}
	w := h.prev.rules[j]
	return w.src.Rules[w.idx].Spec
}

// find returns the previous compile's rule that was r, rule i of the new
// chain (the same pointer); nil when there is none.
func (h *chainHint) find(i int, r *rule.Rule) *wantRule {
	if h == nil || len(h.prev.rules) == 0 {
		return nil
	}
	if j := i + h.off; j >= 0 && j < len(h.prev.rules) && h.spec(j) == r {
		h.misses = 0
		return h.prev.rules[j]
	}
	// One rule inserted or deleted just before: the chain shifted by one.
	for _, d := range [2]int{-1, 1} {
		if j := i + h.off + d; j >= 0 && j < len(h.prev.rules) && h.spec(j) == r {
			h.off += d
			h.misses = 0
			return h.prev.rules[j]
		}
	}
	if h.byPtr == nil {
		if h.misses++; h.misses <= realignAfter {
			return nil
		}
		h.byPtr = make(map[*rule.Rule]int, len(h.prev.rules))
		for j := range h.prev.rules {
			h.byPtr[h.spec(j)] = j
		}
	}
	j, ok := h.byPtr[r]
	if !ok {
		return nil
	}
	h.off = j - i
	return h.prev.rules[j]
}
