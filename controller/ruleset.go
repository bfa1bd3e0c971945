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
		seen: make(map[seenKey]bool, n),
	}
	heads := map[*firewall.Chain][]firewall.Rule{}
	for _, r := range appendRules {
		c, frs, err := b.add(r)
		if err != nil {
			return nil, nil, err
		}
		if len(frs) > 0 {
			c.Rules = append(c.Rules, frs...)
		}
	}
	for _, r := range prepend {
		c, frs, err := b.add(r)
		if err != nil {
			return nil, nil, err
		}
		// A prepended -s a,b is inserted as a whole: its rules keep their
		// order (the reversal below undoes the one here).
		for i := len(frs) - 1; i >= 0; i-- {
			heads[c] = append(heads[c], frs[i])
		}
	}
	for c, head := range heads {
		// Inserting at the top one after another reverses the order.
		rules := make([]firewall.Rule, 0, len(head)+len(c.Rules))
		for i := len(head) - 1; i >= 0; i-- {
			rules = append(rules, head[i])
		}
		c.Rules, c.Head = append(rules, c.Rules...), len(head)
	}
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
	// Every rule is validated again, those taken from the previous Set
	// too: the hooks a rule's extensions are checked against depend on
	// the jumps of every chain.
	if err := rs.Validate(); err != nil {
		return nil, nil, err
	}
	return rs, next, nil
}

// builder collects chains and rules for desired.
type builder struct {
	rs         *firewall.Ruleset
	prev, next *ruleCache
	m          *matcher
	// seen holds the chain and meaning of every rule taken.
	seen map[seenKey]bool
	// last is the chain found last, most often the next rule's too.
	last *firewall.Chain
}

type seenKey struct {
	chain *firewall.Chain
	key   string
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

// add validates r and returns its chain and the firewall.Rules to put there
// that its chain does not have yet (none for a chain declaration or a
// duplicate; several for -s a,b).
func (b *builder) add(r Rule) (*firewall.Chain, []firewall.Rule, error) {
	switch v := r.(type) {
	case *ruleSpec:
		if v.err != nil {
			return nil, nil, v.invalid()
		}
		key := v.cacheKey()
		next := b.next
		var label string
		if j, ok := b.m.find(len(next.keys), key); ok {
			key = b.prev.keys[j] // share the previous Set's strings
			label = keyLabel(key)
			lo, hi := b.prev.first[j], b.prev.first[j+1]
			next.parsed = append(next.parsed, b.prev.parsed[lo:hi]...)
			next.means = append(next.means, b.prev.means[lo:hi]...)
		} else {
			label = v.String() // a substring of key
			for _, p := range v.parsed {
				next.parsed = append(next.parsed, p)
				next.means = append(next.means, p.Key())
			}
		}
		lo := next.first[len(next.keys)]
		next.keys = append(next.keys, key)
		next.first = append(next.first, int32(len(next.parsed)))
		c := b.chain(v.proto, v.table, v.chain)
		var out []firewall.Rule
		for i := int(lo); i < len(next.parsed); i++ {
			id := seenKey{c, next.means[i]}
			if b.seen[id] {
				continue
			}
			b.seen[id] = true
			out = append(out, firewall.Rule{Spec: next.parsed[i], Label: label})
		}
		return c, out, nil
	case *chainSpec:
		if err := rule.CheckTable(v.table); err != nil {
			return nil, nil, fmt.Errorf("invalid chain %q: %w", v, err)
		}
		if firewall.IsBuiltin(v.table, v.chain) {
			return nil, nil, fmt.Errorf("invalid chain %q: %s is a built-in chain of table %s", v, v.chain, v.table)
		}
		if len(v.chain) == 0 || len(v.chain) > rule.MaxChainNameLen {
			return nil, nil, fmt.Errorf("invalid chain %q: a chain name has 1 to %d characters", v, rule.MaxChainNameLen)
		}
		return b.chain(v.proto, v.table, v.chain), nil, nil
	case nil:
		return nil, nil, fmt.Errorf("nil rule in list")
	default:
		return nil, nil, fmt.Errorf("rule %q: unsupported Rule implementation %T (use NewRule / NewIPv4Chain and friends)", r, r)
	}
}
