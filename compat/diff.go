package compat

import "sort"

// entry is one rule of a chain while its changes are planned.
type entry struct {
	key   string
	text  string // the rule's arguments as iptables-restore reads them
	label string // how errors name the rule
	owned bool
	want  int // index in the desired list once matched, else -1
	orig  int // index in the chain before the plan, -1 for added rules
}

// want is one desired rule of a chain.
type want struct {
	key, text, label string
}

// chainOp is one rule command of a plan, in execution order. Pos is the
// 1-based rule number the command uses at the moment it runs.
type chainOp struct {
	del bool
	pos int
	e   entry
}

// claim marks which saved rules of a built-in chain are owned: for each key,
// the first budget[key] rules with that key, in chain order.
func claim(rules []savedRule, budget map[string]int) []bool {
	used := map[string]int{}
	owned := make([]bool, len(rules))
	for i, r := range rules {
		if r.spec != nil && used[r.key] < budget[r.key] {
			used[r.key]++
			owned[i] = true
		}
	}
	return owned
}

// diffChain plans the commands that make the owned rules of cur exactly
// wants, in order, touching no rule that is not owned. Owned rules that can
// stay are the longest run already in desired order; every other owned rule
// is deleted, and every missing rule is inserted right after the previous
// desired rule, or (the first one) right before the first owned rule that
// stays, or at the top of the chain when none stays. It returns the
// commands and the chain as it will be.
func diffChain(cur []entry, wants []want) ([]chainOp, []entry) {
	// Match owned rules to desired ones by key, occurrence by occurrence.
	byKey := map[string][]int{}
	for i, w := range wants {
		byKey[w.key] = append(byKey[w.key], i)
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
			w := wants[wi]
			final = append(final, entry{key: w.key, text: w.text, label: w.label, owned: true, want: wi, orig: -1})
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
