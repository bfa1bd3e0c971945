package compat

import (
	"cmp"
	"maps"
	"slices"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// memory is what the backend owns beyond what the desired ruleset declares:
// the user chains of rulesets it applied (owned whole), the rules it wrote
// into built-in chains (their keys in the order they were desired, one per
// copy), and the policies built-in chains had before it set them. A memory
// is not changed once made; the ownership record (state.go) holds the last
// one written.
type memory struct {
	user   map[chainID]bool
	rules  map[chainID][]string
	policy map[chainID]string
	order  []chainID // the chains of the last applied ruleset, for Read
	// spec holds a parsed rule of each key in rules, for the record.
	spec map[string]*rule.Rule
}

func newMemory() *memory {
	return &memory{user: map[chainID]bool{}, rules: map[chainID][]string{}, policy: map[chainID]string{},
		spec: map[string]*rule.Rule{}}
}

// empty reports whether nothing is owned or declared.
func (m *memory) empty() bool {
	return len(m.user) == 0 && len(m.rules) == 0 && len(m.policy) == 0 && len(m.order) == 0
}

// equal reports whether two memories own the same.
func (m *memory) equal(o *memory) bool {
	return maps.Equal(m.user, o.user) && maps.Equal(m.policy, o.policy) && slices.Equal(m.order, o.order) &&
		maps.EqualFunc(m.rules, o.rules, slices.Equal[[]string])
}

// owned returns the chains something is owned in: user chains, and
// built-in chains with owned rules or a policy to give back.
func (m *memory) owned() map[chainID]bool {
	out := map[chainID]bool{}
	for id := range m.user {
		out[id] = true
	}
	for id := range m.rules {
		out[id] = true
	}
	for id := range m.policy {
		out[id] = true
	}
	return out
}

// chains lists the chains the memory names: those of the last ruleset
// applied in full, in declared order (the first declared ones), then the
// other chains something is owned in, sorted.
func (m *memory) chains() (ids []chainID, declared int) {
	ids = slices.Clone(m.order)
	seen := map[chainID]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	var rest []chainID
	for id := range m.owned() {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	slices.SortFunc(rest, func(a, b chainID) int {
		return cmp.Or(cmp.Compare(a.fam, b.fam), cmp.Compare(a.table, b.table), cmp.Compare(a.chain, b.chain))
	})
	return append(ids, rest...), len(m.order)
}

// tables lists the tables something is owned in.
func (m *memory) tables() map[tableID]bool {
	out := map[tableID]bool{}
	for id := range m.owned() {
		out[tableID{id.fam, id.table}] = true
	}
	return out
}

// remember records what the backend owns once desired is applied; with
// union set (an apply that failed half-way) it keeps owning what it owned
// before, too, and keeps the declared chain order of before.
func (b *Backend) remember(desired *firewall.Ruleset, fp *fullPlan, union bool) {
	b.mem = b.next(desired, fp, union)
}

// next returns what the backend owns once desired is applied (see
// remember), leaving b.mem as it is.
func (b *Backend) next(desired *firewall.Ruleset, fp *fullPlan, union bool) *memory {
	m := newMemory()
	if union {
		for id := range b.mem.user {
			m.user[id] = true
		}
		for id, keys := range b.mem.rules {
			m.rules[id] = slices.Clone(keys)
		}
		maps.Copy(m.spec, b.mem.spec)
	}
	for _, c := range desired.Chains {
		id := chainID{c.Family, c.Table, c.Name}
		if !union {
			m.order = append(m.order, id)
		}
		if !c.Builtin() {
			m.user[id] = true
			continue
		}
		// In desired order; after a half-way failure, the copies owned
		// before and the desired ones beyond them.
		have := map[string]int{}
		for _, k := range m.rules[id] {
			have[k]++
		}
		for _, r := range c.Rules {
			k := fp.keys.of(r.Spec)
			m.spec[k] = r.Spec
			if have[k] > 0 {
				have[k]--
				continue
			}
			m.rules[id] = append(m.rules[id], k)
		}
		if c.Policy == "" {
			continue
		}
		if orig, ok := b.mem.policy[id]; ok {
			m.policy[id] = orig
		} else if orig, ok := fp.origPolicy[id]; ok {
			m.policy[id] = orig
		}
	}
	if union {
		// The old policies may not have been given back yet.
		for id, orig := range b.mem.policy {
			if _, ok := m.policy[id]; !ok {
				m.policy[id] = orig
			}
		}
		// Read lists the chains of the last ruleset applied in full, then
		// the others only where it finds something owned.
		m.order = slices.Clone(b.mem.order)
	}
	return m
}
