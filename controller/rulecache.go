package controller

import (
	"hash/maphash"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// ruleCache is what a Set built, kept for the next one: the sum of the key
// (cacheKey, sumKey) of every rule of its list, in the order desired took
// them, the parsed rules it stands for (several for -s a,b) with the sums
// of their meanings (see meaning), and its chains with their numbers of
// rules. Kilo passes the whole list again with a rule or two different, so
// the next Set finds each rule at the same position (or at a constant
// offset after an insertion or a deletion) and compares one sum, without
// hashing 10k keys into a map.
type ruleCache struct {
	keys []keySum
	// first[j] is where the parsed rules of keys[j] start in parsed and
	// means; first[len(keys)] is len(parsed).
	first  []int32
	parsed []*rule.Rule
	// means are the sums of the parsed rules' meanings (see meaning).
	means  []uint64
	chains []chainID
	lens   []int
	// distinct is whether no rule had the meaning of an earlier one of its
	// chain (so that every rule was placed and validated).
	distinct bool
	// prepends is the number (in keys) of the first prepend rule.
	prepends int
	// valid is what the Set's validation keeps for the next one.
	valid *firewall.Validated
	// scratch are the builder's slices, kept for when this cache is the
	// spare of a later Set (see desired).
	scratch builderScratch
	// rs is the desired state built with this cache, whose chains' rule
	// slices a later Set fills again once it is no one's (see spare in
	// desired): neither the controller's desired state nor, after the
	// next Set's Apply, the engine's.
	rs *firewall.Ruleset
}

// builderScratch are the slices a builder fills and forgets.
type builderScratch struct {
	chainOf  []int32
	labels   []string
	usedPrev []bool
}

// size returns how many rules chain id had (0 when it had none), so that
// the next Set allocates each chain once.
func (c *ruleCache) size(id chainID) int {
	if c == nil {
		return 0
	}
	for i, ch := range c.chains {
		if ch == id {
			return c.lens[i]
		}
	}
	return 0
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

// realignAfter is how many rules in a row may miss their position (or the
// one next to it) before a matcher indexes the previous list by key: a few
// changed rules cost a few misses, a list shifted by more than one costs
// one index.
const realignAfter = 8

// matcher finds the rules of one Set in the previous one's list.
type matcher struct {
	c      *ruleCache
	off    int // the new list's position k is the old list's k+off
	misses int
	byKey  map[keySum]int
}

func (c *ruleCache) matcher() *matcher { return &matcher{c: c} }

// find returns where key, the new list's rule k, is in the previous Set's
// list.
func (m *matcher) find(k int, key keySum) (int, bool) {
	if m.c == nil || len(m.c.keys) == 0 {
		return 0, false
	}
	if j := k + m.off; j >= 0 && j < len(m.c.keys) && m.c.keys[j] == key {
		m.misses = 0
		return j, true
	}
	// One rule inserted or deleted just before: the list shifted by one.
	for _, d := range [2]int{-1, 1} {
		if j := k + m.off + d; j >= 0 && j < len(m.c.keys) && m.c.keys[j] == key {
			m.off += d
			m.misses = 0
			return j, true
		}
	}
	if m.byKey == nil {
		if m.misses++; m.misses <= realignAfter {
			return 0, false
		}
		m.byKey = make(map[keySum]int, len(m.c.keys))
		for j, key := range m.c.keys {
			if _, dup := m.byKey[key]; !dup {
				m.byKey[key] = j
			}
		}
	}
	j, ok := m.byKey[key]
	if !ok {
		return 0, false
	}
	m.off = j - k
	return j, true
}

// keySum is the 128-bit sum of a rule's cache key (sumKey): the rule cache
// keeps 16 bytes a rule, not the text. Two seeds chosen at random when the
// process starts make two different texts with the same sum a chance of
// about n²/2¹²⁹ for n rules (10⁻²⁹ at 100k), and no one can aim for it.
type keySum [2]uint64

// keySeeds seed the two halves of a keySum.
var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// sumKey returns the sum of a cache key.
func sumKey(key string) keySum {
	return keySum{maphash.String(keySeeds[0], key), maphash.String(keySeeds[1], key)}
}

// meanSeed seeds the sums of meanings.
var meanSeed = maphash.MakeSeed()

// meaning returns the sum of r's meaning (rule.Key): a Set keeps 8 bytes
// a rule to find duplicates, not the meaning's text. Rules with the same
// sum are compared by their meanings (see sameMeaning).
// A variable, so that a test can make every sum the same.
var meaning = func(r *rule.Rule) uint64 { return maphash.String(meanSeed, r.Key()) }

// sameMeaning reports whether two rules mean the same.
func sameMeaning(a, b *rule.Rule) bool { return a == b || a.Key() == b.Key() }
