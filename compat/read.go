package compat

import (
	"context"
	"fmt"
	"slices"

	"github.com/nftsync/nftsync/firewall"
)

// Read returns the owned state as iptables-save prints it now: the owned
// user chains with all their rules, and the built-in chains of the last
// applied ruleset with the rules the backend owns in them (and their policy
// when the ruleset set one). Chains come in the order they were declared;
// other built-in chains the backend may own rules in (after an Apply that
// failed half-way) follow, only when something owned is there.
// Rules of owned chains that nftsync cannot parse are left out and logged.
// A built-in chain's Head is how many owned rules come before the first
// foreign one (0 with none): where iptables -I put them, so that a listing
// applied on another host prepends them again.
func (b *Backend) Read(ctx context.Context) (*firewall.Ruleset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx, false); err != nil {
		return nil, err
	}
	ids, declared := b.mem.chains()
	saved := map[tableID]*savedTable{}
	rs := &firewall.Ruleset{}
	for n, id := range ids {
		tid := tableID{id.fam, id.table}
		st := saved[tid]
		if st == nil {
			var err error
			if st, err = b.save(ctx, tid); err != nil {
				return nil, fmt.Errorf("compat: %w", err)
			}
			saved[tid] = st
		}
		sc := st.chain(id.chain)
		if sc == nil {
			continue // an owned user chain someone deleted
		}
		c := &firewall.Chain{Family: id.fam, Table: id.table, Name: id.chain}
		owned := make([]bool, len(sc.rules))
		if sc.builtin {
			owned = claim(sc.rules, b.mem.rules[id])
			if _, ok := b.mem.policy[id]; ok {
				c.Policy = sc.policy
			}
		} else {
			for i := range owned {
				owned[i] = true
			}
		}
		if n >= declared && sc.builtin && c.Policy == "" && !slices.Contains(owned, true) {
			// Not declared by the last ruleset applied in full (a chain of
			// one that failed half-way) and nothing owned in it: not shown.
			continue
		}
		foreign := false
		for i, r := range sc.rules {
			switch {
			case !owned[i]:
				if !foreign {
					foreign, c.Head = true, len(c.Rules)
				}
			case r.spec == nil:
				b.cfg.log.Warn("rule in an owned chain does not parse; left out of Read",
					"family", id.fam.String(), "table", id.table, "chain", id.chain, "rule", r.text)
			default:
				c.Rules = append(c.Rules, firewall.Rule{Spec: r.spec})
			}
		}
		rs.Chains = append(rs.Chains, c)
	}
	return rs, nil
}
