package nft

import "github.com/nftsync/nftsync/rule"

// How many segments the kernel's bound on nested jumps leaves a chain
// (segments.go), from the jumps and returns of the desired rules.

// Flows of a rule (entry.flow).
const (
	// flowJump: the rule jumps or goes to a chain.
	flowJump = 1 << iota
	// flowLeaves: the rule returns or goes to a chain (-g): it leaves
	// its chain otherwise than by a final verdict.
	flowLeaves
)

// flowOf returns the flow of a rule.
func flowOf(r *rule.Rule) uint8 {
	switch t := r.Target.(type) {
	case *rule.Jump:
		if t.Goto {
			return flowJump | flowLeaves
		}
		return flowJump
	case *rule.Verdict:
		if t.Kind == "RETURN" {
			return flowLeaves
		}
	}
	return 0
}

// budget is how a long chain may be laid out: in at most k segments,
// linked by jumps from the chain itself when jump is set.
type budget struct {
	k    int
	jump bool
}

// budgets returns how each long chain of wt may be laid out so that no
// chain is entered past maxLevel (see the kernel bound above). A chain
// none of whose rules returns (RETURN) or goes (-g) is laid out with
// jumps, which costs one level whatever the number of segments; the
// levels a chain's longest path of jumps leaves over, less one for each
// such chain on the path, are shared among the other long chains on it.
func budgets(wt *wantTable, n int) map[string]budget {
	edges := make(map[string][]string, len(wt.chains))
	// imp and pur are 1 for a long chain laid out with gotos and with
	// jumps.
	imp, pur := map[string]int{}, map[string]int{}
	for _, wc := range wt.chains {
		seen := map[string]bool{}
		pure := true
		for _, wr := range wc.rules {
			f := wr.flow
			if f == 0 {
				continue
			}
			pure = pure && f&flowLeaves == 0
			if t, ok := wr.src.Rules[wr.idx].Spec.Target.(*rule.Jump); ok && wt.byName[t.Chain] != nil && !seen[t.Chain] {
				seen[t.Chain] = true
				edges[wc.name] = append(edges[wc.name], t.Chain)
			}
		}
		if len(wc.rules) > n {
			if pure {
				pur[wc.name] = 1
			} else {
				imp[wc.name] = 1
			}
		}
	}
	// below: the longest path of jumps under a chain and the most long
	// chains of each kind on one, the chain included (maxLevel+1 on a
	// loop, which the kernel refuses anyway).
	type counts struct{ h, imp, pur int }
	under := map[string]*counts{}
	visiting := &counts{}
	var below func(c string, depth int) counts
	below = func(c string, depth int) counts {
		if u := under[c]; u != nil {
			if u == visiting {
				return counts{maxLevel + 1, maxLevel + 1, maxLevel + 1}
			}
			return *u
		}
		if depth > maxLevel {
			return counts{maxLevel + 1, maxLevel + 1, maxLevel + 1}
		}
		under[c] = visiting
		var u counts
		for _, t := range edges[c] {
			tu := below(t, depth+1)
			u = counts{max(u.h, tu.h+1), max(u.imp, tu.imp), max(u.pur, tu.pur)}
		}
		u.imp += imp[c]
		u.pur += pur[c]
		under[c] = &u
		return u
	}
	// above: the longest path of jumps from a base chain to a chain and
	// the most long chains of each kind on one, the chain included.
	over := map[string]*counts{}
	var above func(c string, at counts)
	above = func(c string, at counts) {
		at.imp += imp[c]
		at.pur += pur[c]
		o := over[c]
		if o != nil && o.h >= at.h && o.imp >= at.imp && o.pur >= at.pur || at.h > maxLevel {
			return
		}
		if o == nil {
			o = &counts{}
			over[c] = o
		}
		*o = counts{max(o.h, at.h), max(o.imp, at.imp), max(o.pur, at.pur)}
		for _, t := range edges[c] {
			above(t, counts{at.h + 1, at.imp, at.pur})
		}
	}
	for _, wc := range wt.chains {
		if wc.base != nil {
			above(wc.name, counts{})
		}
	}
	out := map[string]budget{}
	for _, wc := range wt.chains {
		c := wc.name
		if imp[c]+pur[c] == 0 {
			continue
		}
		u, o := below(c, 0), counts{0, imp[c], pur[c]}
		if over[c] != nil {
			o = *over[c]
		}
		spare := maxLevel - o.h - u.h
		imps, purs := o.imp+u.imp-imp[c], o.pur+u.pur-pur[c]
		switch {
		case pur[c] == 1 && spare >= purs:
			out[c] = budget{k: 1 << 30, jump: true}
		case pur[c] == 1:
			out[c] = budget{k: 1}
		default:
			out[c] = budget{k: 1 + max(spare-purs, 0)/max(imps, 1)}
		}
	}
	return out
}
