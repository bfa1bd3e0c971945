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
// the desired keys wants, in order, touching no rule that is not owned. Owned rules that can
// stay are the longest run already in desired order; every other owned rule
// is deleted, and every missing rule is inserted right after the previous
// desired rule, or (the first one) right before the first owned rule that
// stays, or at the top of the chain when none stays. It returns the
// commands and the chain as it will be.
func diffChain(cur []entry, wants []string) ([]chainOp, []entry) {
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
	// desired rule before them, the leading run goes before the first kept
	// owned rule (or to the top).
	final := make([]entry, 0, len(list)+len(wants))
	emit := func(from int) {
		for wi := from; wi < len(wants) && !placed[wi]; wi++ {
			final = append(final, entry{key: wants[wi], owned: true, want: wi, orig: -1})
		}
	}
	head := firstOwned(list) < 0
	if head {
		emit(0)
	}
	for _, e := range list {
		if e.owned && !head {
			emit(0)
			head = true
		}
		final = append(final, e)
		if e.owned {
			emit(e.want + 1)
		}
	}
	// Inserting in desired order, every rule that precedes a new one in the
	// final chain is already there when it is inserted: its rule number is
	// its final position.
	for i, e := range final {
		if e.orig < 0 {
			ops = append(ops, chainOp{pos: i + 1, e: e})
		}
	}
	return ops, final
}

func firstOwned(list []entry) int {
	for i, e := range list {
		if e.owned {
			return i
		}
	}
	return -1
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
