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

// ruleCache maps a rule's text (protocol, table, chain and arguments) to the
// firewall.Rules built for it by the previous Set (several for -s a,b).
type ruleCache map[string][]firewall.Rule

// desired is Desired with a cache: Kilo rebuilds its whole rule list for
// every Set, and a rule whose text did not change keeps the *rule.Rule of
// the previous Set, so the engine recognises it by pointer instead of
// comparing canonical forms. It returns the cache for the next Set.
func desired(rules []Rule, prev ruleCache) (*firewall.Ruleset, ruleCache, error) {
	next := make(ruleCache, len(rules))
	rs := &firewall.Ruleset{}
	chain := func(p Protocol, table, name string) *firewall.Chain {
		fam := p.family()
		if c := rs.Chain(fam, table, name); c != nil {
			return c
		}
		c := &firewall.Chain{Family: fam, Table: table, Name: name}
		rs.Chains = append(rs.Chains, c)
		return c
	}
	for _, r := range rules {
		switch v := r.(type) {
		case *ruleSpec:
			if v.err != nil {
				return nil, nil, v.invalid()
			}
			key := v.cacheKey()
			frs, ok := prev[key]
			if !ok {
				for _, p := range v.parsed {
					frs = append(frs, firewall.Rule{Spec: p, Label: v.String()})
				}
			}
			next[key] = frs
			c := chain(v.proto, v.table, v.chain)
			c.Rules = append(c.Rules, frs...)
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
	if err := rs.Validate(); err != nil {
		return nil, nil, err
	}
	return rs, next, nil
}
