package controller

import (
	"fmt"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// Desired turns a Set list into the engine's desired state, validating every
// rule first. Chains appear in the order they are first named; a chain that
// holds rules exists even if it was not declared (a built-in chain never
// needs declaring). A rule equal in meaning to an earlier one of the same
// chain is left out: Kilo adds rules with AppendUnique, so it has each once.
// The first invalid rule is reported by its String().
func Desired(rules []Rule) (*firewall.Ruleset, error) {
	rs, _, err := desired(nil, rules, nil)
	return rs, err
}

// DesiredPlaced is Desired for Kilo's RuleSet: prepend rules go before the
// append rules of their chain (firewall.Chain.Head counts them), in the
// order that inserting each at the top of the chain, one after another,
// leaves them: the last prepended rule first. A prepend rule equal in
// meaning to an append rule of its chain is left out, as InsertUnique
// leaves it out.
func DesiredPlaced(prepend, append []Rule) (*firewall.Ruleset, error) {
	rs, _, err := desired(prepend, append, nil)
	return rs, err
}

// desired is DesiredPlaced with the previous Set's rules: Kilo rebuilds its
// whole rule list for every Set, and a rule whose text did not change keeps
// the firewall.Rules (and so the *rule.Rules) of the previous Set, so the
// engine recognises them by pointer, and their meanings (rule.Key, which
// costs more than comparing a string to recompute). It returns what the
// next Set compares against.
func desired(prepend, appendRules []Rule, prev *ruleCache) (*firewall.Ruleset, *ruleCache, error) {
	n := len(prepend) + len(appendRules)
	b := builder{
		rs:   &firewall.Ruleset{},
		prev: prev,
		m:    prev.matcher(),
		next: &ruleCache{keys: make([]string, 0, n), first: make([]int32, 1, n+1), parsed: make([]*rule.Rule, 0, n), means: make([]string, 0, n)},
		// cands grows past n only with -s a,b.
		cands:   make([]cand, 0, n),
		lastJ:   -1,
		inOrder: true,
	}
	for _, r := range appendRules {
		if err := b.add(r); err != nil {
			return nil, nil, err
		}
	}
	b.prepends = len(b.next.keys)
	for _, r := range prepend {
		if err := b.add(r); err != nil {
			return nil, nil, err
		}
	}
	b.dedup()
	b.place()
	rs, next := b.rs, b.next
	next.chains = chainIDs(rs)
	next.lens = make([]int, len(rs.Chains))
	for i, c := range rs.Chains {
		next.lens[i] = len(c.Rules)
		if cap(c.Rules)-len(c.Rules) > len(c.Rules)/8 {
			// Grown by appending (a chain new to this Set): the desired
			// state is kept until the next Set, so it is kept tight.
			c.Rules = append(make([]firewall.Rule, 0, len(c.Rules)), c.Rules...)
		}
	}
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
	m          *matcher
	// cands are the parsed rules of the list in the order taken (the
	// append rules, then the prepend ones), each rule's together.
	cands []cand
	// fresh counts the cands not taken from the previous Set.
	fresh int
	// lastJ is where the latest rule taken from the previous Set was in
	// its list; inOrder that each was after the one before (so that none
	// was taken twice).
	lastJ   int
	inOrder bool
	// prepends is the number (k of cand) of the first prepend rule.
	prepends int
	// last is the chain found last, most often the next rule's too.
	last *firewall.Chain
}

// cand is a parsed rule of the list: next.parsed[i], of the list's rule k
// (whose label is keyLabel(next.keys[k])).
type cand struct {
	c       *firewall.Chain
	i, k    int32
	fresh   bool
	dropped bool // a rule of the same meaning is earlier in the chain
}

func (b *builder) chain(p Protocol, table, name string) *firewall.Chain {
	fam := p.family()
	if c := b.last; c != nil && c.Family == fam && c.Name == name && c.Table == table {
		return c
	}
	c := b.rs.Chain(fam, table, name)
	if c == nil {
		id := chainID{fam, table, name}
		c = &firewall.Chain{Family: fam, Table: table, Name: name, Rules: make([]firewall.Rule, 0, b.prev.size(id))}
		b.rs.Chains = append(b.rs.Chains, c)
	}
	b.last = c
	return c
}

// add checks r and takes its chain and parsed rules (none for a chain
// declaration; several for -s a,b).
func (b *builder) add(r Rule) error {
	switch v := r.(type) {
	case *ruleSpec:
		if v.err != nil {
			return v.invalid()
		}
		key := v.cacheKey()
		next := b.next
		k := len(next.keys)
		fresh := false
		if j, ok := b.m.find(k, key); ok {
			if j <= b.lastJ {
				b.inOrder = false
			}
			b.lastJ = j
			key = b.prev.keys[j] // share the previous Set's strings
			lo, hi := b.prev.first[j], b.prev.first[j+1]
			next.parsed = append(next.parsed, b.prev.parsed[lo:hi]...)
			next.means = append(next.means, b.prev.means[lo:hi]...)
		} else {
			fresh = true
			for _, p := range v.parsed {
				next.parsed = append(next.parsed, p)
				next.means = append(next.means, p.Key())
			}
		}
		lo := int(next.first[k])
		next.keys = append(next.keys, key)
		next.first = append(next.first, int32(len(next.parsed)))
		c := b.chain(v.proto, v.table, v.chain)
		for i := lo; i < len(next.parsed); i++ {
			b.cands = append(b.cands, cand{c: c, i: int32(i), k: int32(k), fresh: fresh})
			if fresh {
				b.fresh++
			}
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
	means := b.next.means
	if b.prev != nil && b.prev.distinct && b.inOrder && b.fresh <= fewFresh {
		clash := false
		for _, f := range b.cands {
			if !f.fresh {
				continue
			}
			m := means[f.i]
			for _, o := range b.cands {
				if o.c == f.c && o.i != f.i && means[o.i] == m {
					clash = true
					break
				}
			}
		}
		if !clash {
			b.next.distinct = true
			return
		}
	}
	type seenKey struct {
		chain *firewall.Chain
		key   string
	}
	seen := make(map[seenKey]bool, len(b.cands))
	b.next.distinct = true
	for x := range b.cands {
		cd := &b.cands[x]
		id := seenKey{cd.c, means[cd.i]}
		if seen[id] {
			cd.dropped = true
			b.next.distinct = false
			continue
		}
		seen[id] = true
	}
}

// place puts the rules kept into their chains: the append rules in order,
// then in front of them the prepend rules in the order that inserting each
// at the top of the chain, one after another, leaves them (the last first),
// a prepended -s a,b as a whole, its rules in order.
func (b *builder) place() {
	parsed, keys := b.next.parsed, b.next.keys
	at := len(b.cands)
	for x, cd := range b.cands {
		if int(cd.k) >= b.prepends {
			at = x
			break
		}
		if !cd.dropped {
			cd.c.Rules = append(cd.c.Rules, firewall.Rule{Spec: parsed[cd.i], Label: keyLabel(keys[cd.k])})
		}
	}
	if at == len(b.cands) {
		return
	}
	heads := map[*firewall.Chain][]firewall.Rule{}
	for hi := len(b.cands); hi > at; {
		lo := hi - 1
		for lo > at && b.cands[lo-1].k == b.cands[hi-1].k {
			lo--
		}
		for _, cd := range b.cands[lo:hi] {
			if !cd.dropped {
				heads[cd.c] = append(heads[cd.c], firewall.Rule{Spec: parsed[cd.i], Label: keyLabel(keys[cd.k])})
			}
		}
		hi = lo
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
	for _, cd := range b.cands {
		if cd.fresh {
			if fresh == nil {
				fresh = map[*rule.Rule]bool{}
			}
			fresh[b.next.parsed[cd.i]] = true
		}
	}
	return b.rs.ValidateChanged(prev, func(c *firewall.Chain, i int) bool {
		return fresh != nil && fresh[c.Rules[i].Spec]
	})
}
