package controller

import (
	"fmt"
	"slices"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/parallel"
	"github.com/nftsync/nftsync/rule"
)

// Desired turns a Set list into the engine's desired state, validating every
// rule first. Chains appear in the order they are first named; a chain that
// holds rules exists even if it was not declared (a built-in chain never
// needs declaring). A rule equal in meaning to an earlier one of the same
// chain is left out: Kilo adds rules with AppendUnique, so it has each once.
// The first invalid rule is reported by its String().
func Desired(rules []Rule) (*firewall.Ruleset, error) {
	rs, _, err := desired(nil, rules, nil, nil)
	return rs, err
}

// DesiredPlaced is Desired for Kilo's RuleSet: prepend rules go before the
// append rules of their chain (firewall.Chain.Head counts them), in the
// order that inserting each at the top of the chain, one after another,
// leaves them: the last prepended rule first. A prepend rule equal in
// meaning to an append rule of its chain is left out, as InsertUnique
// leaves it out.
func DesiredPlaced(prepend, append []Rule) (*firewall.Ruleset, error) {
	rs, _, err := desired(prepend, append, nil, nil)
	return rs, err
}

// desired is DesiredPlaced with the previous Set's rules: Kilo rebuilds its
// whole rule list for every Set, and a rule whose text did not change keeps
// the firewall.Rules (and so the *rule.Rules) of the previous Set, so the
// engine recognises them by pointer, and their meanings (rule.Key, which
// costs more than comparing a string to recompute). It returns what the
// next Set compares against. spare (nil: none) is a cache no longer in
// use, the one before prev: its slices are filled again rather than
// allocated, which at 10k rules saves half a megabyte of allocation (and
// the collection it brings) a Set.
func desired(prepend, appendRules []Rule, prev, spare *ruleCache) (*firewall.Ruleset, *ruleCache, error) {
	n := len(prepend) + len(appendRules)
	next := &ruleCache{}
	var scratch builderScratch
	if spare != nil {
		next.keys, next.first, next.parsed, next.means = spare.keys[:0], spare.first[:0], spare.parsed[:0], spare.means[:0]
		scratch = spare.scratch
	}
	next.keys = slices.Grow(next.keys, n)
	next.first = append(slices.Grow(next.first, n+1), 0)
	next.parsed = slices.Grow(next.parsed, n)
	next.means = slices.Grow(next.means, n)
	b := builder{
		rs:    &firewall.Ruleset{},
		spare: spare,
		prev:  prev,
		m:     prev.matcher(),
		next:  next,
		// chainOf grows past n only with -s a,b.
		chainOf: slices.Grow(scratch.chainOf[:0], n),
		labels:  slices.Grow(scratch.labels[:0], n),
		lastJ:   -1,
		last:    -1,
		inOrder: true,
	}
	if prev != nil {
		b.usedPrev = slices.Grow(scratch.usedPrev[:0], len(prev.keys))[:len(prev.keys)]
		clear(b.usedPrev)
	}
	defer func() {
		// The builder's slices serve the Set after next (see spare);
		// the labels, and the parsed rules past the end, are let go.
		clear(b.labels)
		clear(next.parsed[len(next.parsed):cap(next.parsed)])
		next.scratch = builderScratch{chainOf: b.chainOf, labels: b.labels[:0], usedPrev: b.usedPrev}
	}()
	for _, r := range appendRules {
		if err := b.add(r); err != nil {
			return nil, nil, err
		}
	}
	b.prepends, b.inPrepend = len(b.next.keys), true
	b.next.prepends = b.prepends
	for _, r := range prepend {
		if err := b.add(r); err != nil {
			return nil, nil, err
		}
	}
	b.sumFresh()
	b.dedup()
	b.place()
	rs, next := b.rs, b.next
	next.chains = chainIDs(rs)
	next.lens = make([]int, len(rs.Chains))
	for i, c := range rs.Chains {
		next.lens[i] = len(c.Rules)
		if cap(c.Rules)-len(c.Rules) > len(c.Rules)/8 {
			// Grown by appending (a chain new to this Set), or a
			// spare's larger slice: the desired state is kept until the
			// next Set, so it is kept tight.
			c.Rules = append(make([]firewall.Rule, 0, len(c.Rules)), c.Rules...)
		}
		// A spare's rules past the end are let go.
		clear(c.Rules[len(c.Rules):cap(c.Rules)])
	}
	next.rs = rs
	var err error
	if next.valid, err = b.validate(); err != nil {
		return nil, nil, err
	}
	return rs, next, nil
}

// builder collects chains and rules for desired.
type builder struct {
	rs         *firewall.Ruleset
	prev, next *ruleCache
	// spare is desired's spare: its Ruleset's rule slices are filled
	// again.
	spare *ruleCache
	m     *matcher
	// chainOf is the chain of each rule of next.parsed (its index in
	// rs.Chains: an index, not a pointer, so that the GC has nothing to
	// note as it is filled): the append rules, then the prepend ones, each
	// list rule's together.
	chainOf []int32
	// freshK are the list's rules (numbered as next.keys) not taken from
	// the previous Set; fresh counts their parsed rules.
	freshK []int
	fresh  int
	// dropped marks the parsed rules that have the meaning of an earlier
	// one of their chain (nil when none has).
	dropped []bool
	// lastJ is where the latest rule taken from the previous Set was in
	// its list; inOrder that each was after the one before (so that none
	// was taken twice).
	lastJ   int
	inOrder bool
	// labels are the String() of each rule of next.keys (a substring of
	// the list rule's key, taken while the rule is at hand): the rules'
	// Labels while the Set runs (see dropLabels).
	labels []string
	// prepends is the number (in next.keys) of the first prepend rule;
	// inPrepend is set while the prepend rules are added.
	prepends  int
	inPrepend bool
	// usedPrev marks the previous Set's rules (numbered as its keys)
	// taken again; sides is set when one of them moved between the
	// append and the prepend rules.
	usedPrev []bool
	sides    bool
	// last is the chain found last (its index in rs.Chains), most often
	// the next rule's too.
	last int32
}

// chain returns the index in rs.Chains of a chain, added if new.
func (b *builder) chain(p Protocol, table, name string) int32 {
	fam := p.family()
	if b.last >= 0 {
		if c := b.rs.Chains[b.last]; c.Family == fam && c.Name == name && c.Table == table {
			return b.last
		}
	}
	if i := b.rs.ChainIndex(fam, table, name); i >= 0 {
		b.last = int32(i)
		return b.last
	}
	id := chainID{fam, table, name}
	b.rs.Chains = append(b.rs.Chains, &firewall.Chain{Family: fam, Table: table, Name: name, Rules: b.spareRules(id)})
	b.last = int32(len(b.rs.Chains) - 1)
	return b.last
}

// spareRules returns an empty slice for the rules of chain id, with room
// for as many as the previous Set had: the spare's slice for the chain
// when it has one that large (see desired), else a new one.
func (b *builder) spareRules(id chainID) []firewall.Rule {
	n := b.prev.size(id)
	if sp := b.spare; sp != nil && sp.rs != nil {
		if i := sp.rs.ChainIndex(id.fam, id.table, id.name); i >= 0 {
			if r := sp.rs.Chains[i].Rules; cap(r) >= n {
				return r[:0]
			}
		}
	}
	return make([]firewall.Rule, 0, n)
}

// add checks r and takes its chain and parsed rules (none for a chain
// declaration; several for -s a,b).
func (b *builder) add(r Rule) error {
	switch v := r.(type) {
	case *ruleSpec:
		if v.err != nil {
			return v.invalid()
		}
		key := v.sum
		next := b.next
		k := len(next.keys)
		fresh := false
		if j, ok := b.m.find(k, key); ok {
			if j <= b.lastJ {
				b.inOrder = false
			}
			b.lastJ = j
			b.usedPrev[j] = true
			if (j >= b.prev.prepends) != b.inPrepend {
				b.sides = true
			}
			lo, hi := b.prev.first[j], b.prev.first[j+1]
			if hi == lo+1 {
				// The common case, one parsed rule, without a slice
				// copy: BenchmarkDesired 390 against 500 µs at 10k.
				next.parsed = append(next.parsed, b.prev.parsed[lo])
				next.means = append(next.means, b.prev.means[lo])
			} else {
				next.parsed = append(next.parsed, b.prev.parsed[lo:hi]...)
				next.means = append(next.means, b.prev.means[lo:hi]...)
			}
		} else {
			fresh = true
			// Their meanings are summed once the list is read (sumFresh).
			next.parsed = append(next.parsed, v.parsed...)
			next.means = append(next.means, make([]uint64, len(v.parsed))...)
		}
		lo := int(next.first[k])
		next.keys = append(next.keys, key)
		b.labels = append(b.labels, v.String())
		next.first = append(next.first, int32(len(next.parsed)))
		c := b.chain(v.proto, v.table, v.chain)
		for i := lo; i < len(next.parsed); i++ {
			b.chainOf = append(b.chainOf, c)
		}
		if fresh {
			b.freshK = append(b.freshK, k)
			b.fresh += len(next.parsed) - lo
		}
		return nil
	case *chainSpec:
		if err := rule.CheckTable(v.table); err != nil {
			return fmt.Errorf("invalid chain %q: %w", v, err)
		}
		if firewall.IsBuiltin(v.table, v.chain) {
			return fmt.Errorf("invalid chain %q: %s is a built-in chain of table %s", v, v.chain, v.table)
		}
		if len(v.chain) == 0 || len(v.chain) > rule.MaxChainNameLen {
			return fmt.Errorf("invalid chain %q: a chain name has 1 to %d characters", v, rule.MaxChainNameLen)
		}
		b.chain(v.proto, v.table, v.chain)
		return nil
	case nil:
		return fmt.Errorf("nil rule in list")
	default:
		return fmt.Errorf("rule %q: unsupported Rule implementation %T (use NewRule / NewIPv4Chain and friends)", r, r)
	}
}

// sumFresh sums the meanings of the rules not taken from the previous Set
// (all of them in a first Set), on every CPU: a meaning is the rule's
// canonical text, a few microseconds a rule.
func (b *builder) sumFresh() {
	next := b.next
	parallel.Range(len(b.freshK), func(lo, hi int) {
		for _, k := range b.freshK[lo:hi] {
			for i := next.first[k]; i < next.first[k+1]; i++ {
				next.means[i] = meaning(next.parsed[i])
			}
		}
	})
}

// fewFresh is how many rules not taken from the previous Set a Set may have
// and still compare only those with the rest of their chain (for
// duplicates) and validate only those.
const fewFresh = 16

// dedup drops each rule that has the meaning of an earlier one of its
// chain. When the previous Set had no such rule and this one took each of
// its rules from it at most once, only the few fresh rules can have the
// meaning of another: they are compared with their chain's rules, without
// a map of every rule; when none has, nothing is dropped.
func (b *builder) dedup() {
	means, first, parsed := b.next.means, b.next.first, b.next.parsed
	if b.prev != nil && b.prev.distinct && b.inOrder && b.fresh <= fewFresh {
		clash := false
		for _, k := range b.freshK {
			for i := first[k]; i < first[k+1] && !clash; i++ {
				c, m := b.chainOf[i], means[i]
				for o, oc := range b.chainOf {
					if oc == c && o != int(i) && means[o] == m && sameMeaning(parsed[o], parsed[i]) {
						clash = true
						break
					}
				}
			}
		}
		if !clash {
			b.next.distinct = true
			return
		}
	}
	type seenKey struct {
		chain int32
		mean  uint64
	}
	seen := make(map[seenKey]int, len(b.chainOf))
	b.next.distinct = true
	for i, c := range b.chainOf {
		id := seenKey{c, means[i]}
		o, ok := seen[id]
		if !ok {
			seen[id] = i
			continue
		}
		if !sameMeaning(parsed[o], parsed[i]) {
			// Two meanings with one sum: the sums cannot tell.
			b.dedupExact()
			return
		}
		b.drop(i)
	}
}

// dedupExact is dedup by the meanings themselves, for when two of them
// have the same sum.
func (b *builder) dedupExact() {
	type seenKey struct {
		chain int32
		key   string
	}
	seen := make(map[seenKey]bool, len(b.chainOf))
	b.dropped = nil
	b.next.distinct = true
	for i, c := range b.chainOf {
		id := seenKey{c, b.next.parsed[i].Key()}
		if seen[id] {
			b.drop(i)
			continue
		}
		seen[id] = true
	}
}

// drop leaves out parsed rule i.
func (b *builder) drop(i int) {
	if b.dropped == nil {
		b.dropped = make([]bool, len(b.chainOf))
	}
	b.dropped[i] = true
	b.next.distinct = false
}

// place puts the rules kept into their chains: the append rules in order,
// then in front of them the prepend rules in the order that inserting each
// at the top of the chain, one after another, leaves them (the last first),
// a prepended -s a,b as a whole, its rules in order.
func (b *builder) place() {
	next := b.next
	put := func(k int, to func(*firewall.Chain, firewall.Rule)) {
		label := b.labels[k]
		for i := next.first[k]; i < next.first[k+1]; i++ {
			if b.dropped == nil || !b.dropped[i] {
				to(b.rs.Chains[b.chainOf[i]], firewall.Rule{Spec: next.parsed[i], Label: label})
			}
		}
	}
	for k := 0; k < b.prepends; k++ {
		put(k, func(c *firewall.Chain, r firewall.Rule) { c.Rules = append(c.Rules, r) })
	}
	if b.prepends == len(next.keys) {
		return
	}
	heads := map[*firewall.Chain][]firewall.Rule{}
	for k := len(next.keys) - 1; k >= b.prepends; k-- {
		put(k, func(c *firewall.Chain, r firewall.Rule) { heads[c] = append(heads[c], r) })
	}
	for c, head := range heads {
		c.Rules, c.Head = append(head, c.Rules...), len(head)
	}
}

// validate validates the ruleset, only its fresh rules when the previous
// Set's rules all passed in the same chains (see
// firewall.Ruleset.ValidateChanged).
func (b *builder) validate() (*firewall.Validated, error) {
	var prev *firewall.Validated
	if b.prev != nil && b.prev.distinct && b.fresh <= fewFresh {
		prev = b.prev.valid
	}
	var fresh map[*rule.Rule]bool
	if prev != nil && len(b.freshK) > 0 {
		fresh = make(map[*rule.Rule]bool, b.fresh)
		for _, k := range b.freshK {
			for _, p := range b.next.parsed[b.next.first[k]:b.next.first[k+1]] {
				fresh[p] = true
			}
		}
	}
	isFresh := func(c *firewall.Chain, i int) bool { return fresh[c.Rules[i].Spec] }
	if prev != nil && b.sameHooks() {
		return b.rs.ValidateSameHooks(prev, isFresh)
	}
	return b.rs.ValidateChanged(prev, isFresh)
}

// sameHooks reports whether the chains are reached from the same hooks as
// in the previous Set whatever the rules kept, because no rule added or
// removed jumps or ends its chain (firewall.ChangesHooks) and the rules
// kept are in the same order, each on the same side (prepend or append):
// then the hooks are not computed again, which walks every rule.
func (b *builder) sameHooks() bool {
	if b.prev == nil || !b.prev.distinct || !b.next.distinct || !b.inOrder || b.sides {
		return false
	}
	first := b.next.first
	for _, k := range b.freshK {
		for _, p := range b.next.parsed[first[k]:first[k+1]] {
			if firewall.ChangesHooks(p) {
				return false
			}
		}
	}
	for j, used := range b.usedPrev {
		if used {
			continue
		}
		for _, p := range b.prev.parsed[b.prev.first[j]:b.prev.first[j+1]] {
			if firewall.ChangesHooks(p) {
				return false
			}
		}
	}
	return true
}

// dropLabels empties the Labels of a desired state once its Set is done.
// A Label is the text of the caller's rule, which names it in the errors
// of its Set (validation, the kernel's refusal); kept, it would be about a
// third of what a Set holds per rule (issue 11: ≤ 1 KB a rule at 100k).
// An error of a later Reconcile names the rule as Chain.Label builds it,
// "TABLE -A CHAIN" and the rule in iptables-save form.
func dropLabels(rs *firewall.Ruleset) {
	for _, c := range rs.Chains {
		for i := range c.Rules {
			c.Rules[i].Label = ""
		}
	}
}
