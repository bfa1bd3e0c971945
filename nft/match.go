package nft

import (
	"github.com/nftsync/nftsync/internal/lcs"
	"github.com/nftsync/nftsync/rule"
)

// ruleSeq is a chain's actual rules, in one kernel chain or spread over
// its segments, read in order without copying them into one slice.
type ruleSeq struct {
	parts [][]*haveRule
	offs  []int // parts[k] starts at offs[k]; offs[len(parts)] is the length
	cur   int
}

// seqOf returns the rules of parts in order.
func seqOf(parts ...[]*haveRule) *ruleSeq {
	s := &ruleSeq{parts: parts, offs: make([]int, len(parts)+1)}
	for k, p := range parts {
		s.offs[k+1] = s.offs[k] + len(p)
	}
	return s
}

func (s *ruleSeq) len() int { return s.offs[len(s.parts)] }

// at returns rule i; reading near the previous one is cheapest.
func (s *ruleSeq) at(i int) *haveRule {
	for s.offs[s.cur] > i {
		s.cur--
	}
	for s.offs[s.cur+1] <= i {
		s.cur++
	}
	return s.parts[s.cur][i-s.offs[s.cur]]
}

// matching is, for each of a chain's m desired rules, the index of the
// actual rule (of n) it is kept as, or -1: a common prefix and suffix of
// pre and suf rules, and mid for the rules in between.
type matching struct {
	pre, suf, n, m int
	mid            []int
}

// of returns the actual rule desired rule j is kept as, or -1.
func (mt *matching) of(j int) int {
	switch {
	case j < mt.pre:
		return j
	case j >= mt.m-mt.suf:
		return j - mt.m + mt.n
	}
	return mt.mid[j-mt.pre]
}

// full returns of(j) for every j.
func (mt *matching) full() []int {
	out := make([]int, mt.m)
	for j := range out {
		out[j] = mt.of(j)
	}
	return out
}

// matchRules matches a chain's actual rules with its desired ones, as
// lcs.Match of their identities. The common prefix and suffix are found
// by comparing entries, so that a long chain with one change numbers only
// the rules around it instead of building a map of all of them (at 100k
// rules, that map was most of a one-rule Apply's own CPU).
func (p *planner) matchRules(fam rule.Family, have *ruleSeq, want []*wantRule) matching {
	same := func(i, j int) bool {
		hr := have.at(i)
		if e := hr.ent; e != nil && e == want[j].ent {
			// The same entry (without reading it: a long chain's
			// entries are all over the heap).
			return true
		}
		e := p.identify(fam, hr)
		return e != nil && e == p.d.class(want[j].ent)
	}
	n, m := have.len(), len(want)
	mt := matching{n: n, m: m}
	for mt.pre < n && mt.pre < m && same(mt.pre, mt.pre) {
		mt.pre++
	}
	for mt.suf < n-mt.pre && mt.suf < m-mt.pre && same(n-1-mt.suf, m-1-mt.suf) {
		mt.suf++
	}
	wm := want[mt.pre : m-mt.suf]
	mt.mid = make([]int, len(wm))
	for j := range mt.mid {
		mt.mid[j] = -1
	}
	nh := n - mt.suf - mt.pre
	if nh == 0 || len(wm) == 0 {
		return mt
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
	haveIDs := make([]int, nh)
	recognised := false
	for i := range haveIDs {
		haveIDs[i] = -1 - i
		if e := p.identify(fam, have.at(mt.pre+i)); e != nil {
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
		return mt
	}
	for j, i := range lcs.Match(haveIDs, wantIDs) {
		if i >= 0 {
			mt.mid[j] = mt.pre + i
		}
	}
	return mt
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
