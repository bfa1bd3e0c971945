package controller

import (
	"fmt"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// Desired turns a Set list into the engine's desired state, validating every
// rule first. Chains appear in the order they are first named; a chain that
// holds rules exists even if it was not declared (a built-in chain never
// needs declaring). The first invalid rule is reported by its String().
func Desired(rules []Rule) (*firewall.Ruleset, error) {
	rs, _, err := desired(rules, nil)
	return rs, err
}

// desired is Desired with the previous Set's rules: Kilo rebuilds its whole
// rule list for every Set, and a rule whose text did not change keeps the
// firewall.Rule (and so the *rule.Rule) of the previous Set, so the engine
// recognises it by pointer, and only the rules that changed are validated
// again. It returns what the next Set compares against.
func desired(rules []Rule, prev *ruleCache) (*firewall.Ruleset, *ruleCache, error) {
	next := &ruleCache{keys: make([]string, 0, len(rules)), specs: make([]*rule.Rule, 0, len(rules))}
	rs := &firewall.Ruleset{}
	// fresh holds, per chain of rs, the rules not taken from prev.
	var fresh [][]firewall.Rule
	var last *firewall.Chain
	lastAt := -1
	chain := func(p Protocol, table, name string) int {
		fam := p.family()
		if last != nil && last.Family == fam && last.Name == name && last.Table == table {
			return lastAt
		}
		for i, c := range rs.Chains {
			if c.Family == fam && c.Table == table && c.Name == name {
				last, lastAt = c, i
				return i
			}
		}
		id := chainID{fam, table, name}
		last, lastAt = &firewall.Chain{Family: fam, Table: table, Name: name, Rules: make([]firewall.Rule, 0, prev.size(id))}, len(rs.Chains)
		rs.Chains = append(rs.Chains, last)
		fresh = append(fresh, nil)
		return lastAt
	}
	m := prev.matcher()
	for _, r := range rules {
		switch v := r.(type) {
		case *ruleSpec:
			if v.err != nil {
				return nil, nil, v.invalid()
			}
			key := v.cacheKey()
			at := chain(v.proto, v.table, v.chain)
			var fr firewall.Rule
			if spec, k, ok := m.find(len(next.keys), key); ok {
				key = k // share the previous Set's string
				fr = firewall.Rule{Spec: spec, Label: labelOf(key)}
			} else {
				fr = firewall.Rule{Spec: v.parsed, Label: v.String()} // a substring of key
				fresh[at] = append(fresh[at], fr)
			}
			next.keys = append(next.keys, key)
			next.specs = append(next.specs, fr.Spec)
			rs.Chains[at].Rules = append(rs.Chains[at].Rules, fr)
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
			chain(v.proto, v.table, v.chain)
		case nil:
			return nil, nil, fmt.Errorf("nil rule in list")
		default:
			return nil, nil, fmt.Errorf("rule %q: unsupported Rule implementation %T (use NewRule / NewIPv4Chain and friends)", r, r)
		}
	}
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
	if err := validate(rs, fresh, prev, next.chains); err != nil {
		return nil, nil, err
	}
	return rs, next, nil
}

// validate validates rs. A rule taken from the previous Set passed the same
// checks in the same chain; when the chains are the ones of the previous
// Set (which a jump's validity depends on), only the fresh rules are
// checked again, next to every chain.
func validate(rs *firewall.Ruleset, fresh [][]firewall.Rule, prev *ruleCache, chains []chainID) error {
	if prev == nil || !sameChains(prev.chains, chains) {
		return rs.Validate()
	}
	delta := &firewall.Ruleset{Chains: make([]*firewall.Chain, len(rs.Chains))}
	for i, c := range rs.Chains {
		d := *c
		d.Rules = fresh[i]
		delta.Chains[i] = &d
	}
	return delta.Validate()
}
