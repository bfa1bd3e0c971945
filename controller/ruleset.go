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

// cachedRule is a rule as the previous Set built it: the firewall.Rule and
// its meaning (rule.Key, which costs more than a map lookup to recompute).
type cachedRule struct {
	rule firewall.Rule
	key  string
}

// ruleCache maps a rule's text (protocol, table, chain and arguments) to
// what the previous Set built for it (several rules for -s a,b).
type ruleCache map[string][]cachedRule

// desired is DesiredPlaced with a cache: Kilo rebuilds its whole rule list
// for every Set, and a rule whose text did not change keeps the *rule.Rule
// of the previous Set, so the engine recognises it by pointer instead of
// comparing canonical forms. It returns the cache for the next Set.
func desired(prepend, appendRules []Rule, prev ruleCache) (*firewall.Ruleset, ruleCache, error) {
	b := builder{rs: &firewall.Ruleset{}, prev: prev, next: make(ruleCache, len(prepend)+len(appendRules)), seen: make(map[seenKey]bool, len(prepend)+len(appendRules))}
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
	if err := b.rs.Validate(); err != nil {
		return nil, nil, err
	}
	return b.rs, b.next, nil
}

// builder collects chains and rules for desired.
type builder struct {
	rs         *firewall.Ruleset
	prev, next ruleCache
	// seen holds the chain and meaning of every rule taken.
	seen map[seenKey]bool
}

type seenKey struct {
	chain *firewall.Chain
	key   string
}

func (b *builder) chain(p Protocol, table, name string) *firewall.Chain {
	fam := p.family()
	if c := b.rs.Chain(fam, table, name); c != nil {
		return c
	}
	c := &firewall.Chain{Family: fam, Table: table, Name: name}
	b.rs.Chains = append(b.rs.Chains, c)
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
		text := v.cacheKey()
		crs, ok := b.prev[text]
		if !ok {
			crs, ok = b.next[text]
		}
		if !ok {
			for _, p := range v.parsed {
				crs = append(crs, cachedRule{rule: firewall.Rule{Spec: p, Label: v.String()}, key: p.Key()})
			}
		}
		b.next[text] = crs
		c := b.chain(v.proto, v.table, v.chain)
		var out []firewall.Rule
		for _, cr := range crs {
			id := seenKey{c, cr.key}
			if b.seen[id] {
				continue
			}
			b.seen[id] = true
			out = append(out, cr.rule)
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
