package controller

import (
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// ruleCache is what a Set built, kept for the next one: the key (see
// cacheKey) of every rule of its list, in order, the firewall.Rule made for
// it, and its chains. Kilo passes the whole list again with a rule or two
// different, so the next Set finds each rule at the same position (or at a
// constant offset after an insertion or a deletion) and compares one
// string, without hashing 10k keys into a map.
type ruleCache struct {
	keys   []string
	rules  []firewall.Rule
	chains []chainID
}

// chainID identifies a chain of a Ruleset.
type chainID struct {
	fam         rule.Family
	table, name string
}

func chainIDs(rs *firewall.Ruleset) []chainID {
	ids := make([]chainID, len(rs.Chains))
	for i, c := range rs.Chains {
		ids[i] = chainID{c.Family, c.Table, c.Name}
	}
	return ids
}

func sameChains(a, b []chainID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// realignAfter is how many rules in a row may miss their position before
// a matcher indexes the previous list by key: a few changed rules cost a
// few misses, a shifted list costs one index.
const realignAfter = 8

// matcher finds the rules of one Set in the previous one's list.
type matcher struct {
	c      *ruleCache
	off    int // the new list's position k is the old list's k+off
	misses int
	byKey  map[string]int
}

func (c *ruleCache) matcher() *matcher { return &matcher{c: c} }

// find returns the previous Set's rule with key, the new list's rule k,
// and the previous Set's copy of the key.
func (m *matcher) find(k int, key string) (firewall.Rule, string, bool) {
	if m.c == nil || len(m.c.keys) == 0 {
		return firewall.Rule{}, "", false
	}
	if j := k + m.off; j >= 0 && j < len(m.c.keys) && m.c.keys[j] == key {
		m.misses = 0
		return m.c.rules[j], m.c.keys[j], true
	}
	if m.byKey == nil {
		if m.misses++; m.misses <= realignAfter {
			return firewall.Rule{}, "", false
		}
		m.byKey = make(map[string]int, len(m.c.keys))
		for j, key := range m.c.keys {
			if _, dup := m.byKey[key]; !dup {
				m.byKey[key] = j
			}
		}
	}
	j, ok := m.byKey[key]
	if !ok {
		return firewall.Rule{}, "", false
	}
	m.off = j - k
	return m.c.rules[j], m.c.keys[j], true
}
