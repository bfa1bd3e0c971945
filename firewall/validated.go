package firewall

import (
	"slices"

	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// Validated is what ValidateChanged keeps of a ruleset that passed
// Validate: its chains and the hooks each is reached from (along every
// jump, and along those iptables follows).
type Validated struct {
	hooks map[chainKey][2]xt.Hooks
	// unreached are the rules of each chain past one that ends it, which
	// iptables' walk does not reach (see reachedPast), when there are any.
	unreached map[chainKey][]*rule.Rule
	// ends are the chains, reached from a hook, that a rule ends (see
	// reachedPast): in the others every rule is reached from the chain's
	// hooks, without walking the rules before it.
	ends map[chainKey]bool
}

type chainKey struct {
	fam         rule.Family
	table, name string
}

// ValidateChanged is Validate for a ruleset built again from one that
// passed (prev, nil if none) with a few rules changed: when it has the
// same chains, each reached from the same hooks, a rule that fresh does
// not report was in the same chain of prev and passed there (whether a
// rule passes depends on its chain, its hooks, which chains exist and
// whether a rule before it ends the chain, and on nothing else), so only
// the fresh rules are checked, and every rule of a chain whose rules past
// one that ends it are not the same as prev's. Otherwise every rule is.
// It returns what the next call compares against.
func (rs *Ruleset) ValidateChanged(prev *Validated, fresh func(c *Chain, i int) bool) (*Validated, error) {
	if err := rs.validateChains(); err != nil {
		return nil, err
	}
	hooks, reached := rs.hooks(false), rs.hooks(true)
	v := &Validated{hooks: make(map[chainKey][2]xt.Hooks, len(rs.Chains))}
	same := prev != nil && len(prev.hooks) == len(rs.Chains)
	for _, c := range rs.Chains {
		k := chainKey{c.Family, c.Table, c.Name}
		v.hooks[k] = [2]xt.Hooks{hooks[c], reached[c]}
		if same {
			h, ok := prev.hooks[k]
			same = ok && h == v.hooks[k]
		}
	}
	for _, c := range rs.Chains {
		k := chainKey{c.Family, c.Table, c.Name}
		// A rule kept but reached otherwise than before (past a rule
		// that ends the chain then, not now, or the reverse) is
		// checked again with the whole chain.
		var unreached []*rule.Rule
		r := reached[c]
		for i, cr := range c.Rules {
			if r == 0 && reached[c] != 0 {
				unreached = append(unreached, cr.Spec)
				continue
			}
			if r = reachedPast(c, i, r); r == 0 && reached[c] != 0 {
				if v.ends == nil {
					v.ends = map[chainKey]bool{}
				}
				v.ends[k] = true
			}
		}
		if len(unreached) > 0 {
			if v.unreached == nil {
				v.unreached = map[chainKey][]*rule.Rule{}
			}
			v.unreached[k] = unreached
		}
		whole := !same || !slices.Equal(unreached, prev.unreached[k])
		r = reached[c]
		for i := range c.Rules {
			if whole || fresh(c, i) {
				if err := rs.validateRule(c, i, hooks[c], r); err != nil {
					return nil, err
				}
			}
			r = reachedPast(c, i, r)
		}
	}
	return v, nil
}

// ChangesHooks reports whether adding or removing r can change the hooks
// a chain is reached from: r jumps to a chain, or ends its chain so that
// the jumps after it do not count (see hooks).
func ChangesHooks(r *rule.Rule) bool {
	if _, ok := r.Target.(*rule.Jump); ok {
		return true
	}
	return endsChain(r)
}

// ValidateSameHooks is ValidateChanged for a ruleset built again from one
// that passed (prev) where the caller knows that no rule added or removed
// ChangesHooks and that the rules kept are in the same order: when it has
// prev's chains, each is reached from the same hooks, which are not
// computed again (that walks every rule), and only the fresh rules are
// checked. Otherwise it is ValidateChanged.
func (rs *Ruleset) ValidateSameHooks(prev *Validated, fresh func(c *Chain, i int) bool) (*Validated, error) {
	if prev == nil || len(prev.hooks) != len(rs.Chains) {
		return rs.ValidateChanged(prev, fresh)
	}
	for _, c := range rs.Chains {
		if _, ok := prev.hooks[chainKey{c.Family, c.Table, c.Name}]; !ok {
			return rs.ValidateChanged(prev, fresh)
		}
	}
	if err := rs.validateChains(); err != nil {
		return nil, err
	}
	for _, c := range rs.Chains {
		h := prev.hooks[chainKey{c.Family, c.Table, c.Name}]
		for i := range c.Rules {
			if !fresh(c, i) {
				continue
			}
			at := h[1]
			if prev.ends[chainKey{c.Family, c.Table, c.Name}] {
				// No rule that ends a chain was added or removed, so
				// only a chain that had one has rules it leaves
				// unreached.
				at = reachedAt(c, i, h[1])
			}
			if err := rs.validateRule(c, i, h[0], at); err != nil {
				return nil, err
			}
		}
	}
	return prev, nil
}
