package compat

import "sort"

// entry is one rule of a chain while its changes are planned.
type entry struct {
	key   string
	text  string // the saved rule's arguments; "" for added rules
	owned bool
	want  int // index in the desired list once matched, else -1
	orig  int // index in the chain before the plan, -1 for added rules
}

// chainOp is one rule command of a plan, in execution order. Pos is the
// 1-based rule number the command uses at the moment it runs.
type chainOp struct {
	del bool
	pos int
	e   entry
}

// claim marks which saved rules of a built-in chain are owned, given the
// keys of the owned rules in the order they were desired (one per copy).
// Where the chain holds no more copies of a key than are owned, all are
// owned. Where it holds more (someone else has equal rules), each owned
// copy is the one that fits the owned order best: between the owned rules
// before and after it, nearest the one before (or, for the first, the one
// after); when none fits there, the nearest to that gap. With no other
// owned rule to go by, the first copies in chain order are owned.
func claim(rules []savedRule, owned []string) []bool {
	out := make([]bool, len(rules))
	if len(owned) == 0 {
		return out
	}
	copies := map[string][]int{}
	for i, r := range rules {
		if r.spec != nil {
			copies[r.key] = append(copies[r.key], i)
		}
	}
	count := map[string]int{}
	for _, k := range owned {
		count[k]++
	}
	// pos[j] is the rule owned[j] is, -1 for none (yet).
	pos := make([]int, len(owned))
	next := map[string]int{}
	for j, k := range owned {
		pos[j] = -1
		if len(copies[k]) <= count[k] && next[k] < len(copies[k]) {
			pos[j] = copies[k][next[k]]
			next[k]++
			out[pos[j]] = true
		}
	}
	for j, k := range owned {
		if len(copies[k]) <= count[k] {
			continue
		}
		lo, hi := -1, len(rules)
		for p := j - 1; p >= 0 && lo < 0; p-- {
			lo = pos[p]
		}
		for p := j + 1; p < len(owned) && hi == len(rules); p++ {
			if pos[p] >= 0 {
				hi = pos[p]
			}
		}
		best, bestScore := -1, 0
		for _, i := range copies[k] {
			if out[i] {
				continue
			}
			var score int
			switch {
			case lo < 0 && hi == len(rules):
				score = i // nothing owned to fit with: the first copies
			case i > lo && i < hi && lo >= 0:
				score = i - lo
			case i > lo && i < hi:
				score = hi - i
			case i <= lo:
				score = len(rules) + lo - i
			default:
				score = len(rules) + i - hi
			}
			if best < 0 || score < bestScore {
				best, bestScore = i, score
			}
		}
		if best >= 0 {
			pos[j], out[best] = best, true
		}
	}
	return out
}

// diffChain plans the commands that make the owned rules of cur exactly
// the desired keys wants, in order, touching no rule that is not owned.
// wants[:head] are prepended (iptables -I), wants[head:] appended
// (iptables -A). Owned rules that can stay are the longest run already in
// desired order; every other owned rule is deleted, and every missing rule
// is inserted right after the previous desired rule of its part. The first
// missing rule of a part goes right before the first owned rule of that
// part that stays or, when none stays, where iptables would put it: a
// prepended one at the top of the chain, an appended one at the end. It
// returns the commands and the chain as it will be.
func diffChain(cur []entry, wants []string, head int) ([]chainOp, []entry) {
	head = min(max(head, 0), len(wants))
	// Match owned rules to desired ones by key, occurrence by occurrence.
	byKey := map[string][]int{}
	for i, k := range wants {
		byKey[k] = append(byKey[k], i)
	}
	var matched []int // indexes into cur of matched owned rules
	for i := range cur {
		cur[i].want = -1
		if !cur[i].owned {
			continue
		}
		if q := byKey[cur[i].key]; len(q) > 0 {
			cur[i].want, byKey[cur[i].key] = q[0], q[1:]
			matched = append(matched, i)
		}
	}
	keep := map[int]bool{}
	for _, i := range lis(cur, matched) {
		keep[i] = true
	}
	var ops []chainOp
	var list []entry
	for i := range cur {
		if !cur[i].owned || keep[i] {
			list = append(list, cur[i])
		}
	}
	for i := len(cur) - 1; i >= 0; i-- {
		if cur[i].owned && !keep[i] {
			ops = append(ops, chainOp{del: true, pos: i + 1, e: cur[i]})
		}
	}
	placed := make([]bool, len(wants))
	for i := range cur {
		if keep[i] {
			placed[cur[i].want] = true
		}
	}
	// Build the final chain directly: runs of missing rules follow the
	// desired rule before them in their part; the leading run of each part
	// goes before the first kept owned rule of that part or, with none
	// kept, to the top (prepended) or the end (appended). Kept rules are
	// in desired order, so kept prepended rules precede kept appended ones.
	final := make([]entry, 0, len(list)+len(wants))
	run := func(from, end int) {
		for wi := from; wi < end && !placed[wi]; wi++ {
			final = append(final, entry{key: wants[wi], owned: true, want: wi, orig: -1})
		}
	}
	// Whether each part's leading run is still to place before the part's
	// first kept rule.
	prePending, appPending := false, true
	for _, e := range list {
		if e.owned && e.want < head {
			prePending = true
			break
		}
	}
	if !prePending {
		run(0, head) // no prepended rule stays: the top, as iptables -I 1
	}
	for _, e := range list {
		if !e.owned {
			final = append(final, e)
			continue
		}
		end := len(wants) // of e's part
		switch {
		case e.want < head:
			end = head
			if prePending {
				run(0, head)
				prePending = false
			}
		case appPending:
			run(head, end)
			appPending = false
		}
		final = append(final, e)
		run(e.want+1, end)
	}
	if appPending {
		run(head, len(wants)) // no appended rule stays: the end, as iptables -A
	}
	// Inserting in final order (deletions done, rules that stay keeping
	// their relative order), every rule that precedes a new one in the
	// final chain is already there when it is inserted, wherever the runs
	// went: its rule number is its final position.
	for i, e := range final {
		if e.orig < 0 {
			ops = append(ops, chainOp{pos: i + 1, e: e})
		}
	}
	return ops, final
}

// lis returns the members of idx (indexes into cur, ascending) whose desired
// indexes form a longest increasing subsequence.
func lis(cur []entry, idx []int) []int {
	var tails []int // tails[k]: position in idx of the smallest tail of a run of length k+1
	prev := make([]int, len(idx))
	for p, i := range idx {
		v := cur[i].want
		k := sort.Search(len(tails), func(k int) bool { return cur[idx[tails[k]]].want >= v })
		if k > 0 {
			prev[p] = tails[k-1]
		} else {
			prev[p] = -1
		}
		if k == len(tails) {
			tails = append(tails, p)
		} else {
			tails[k] = p
		}
	}
	out := make([]int, len(tails))
	for k, p := len(tails)-1, -1; k >= 0; k-- {
		if p == -1 {
			p = tails[len(tails)-1]
		} else {
			p = prev[p]
		}
		out[k] = idx[p]
	}
	return out
}
