package nft

import (
	"hash/maphash"

	"github.com/nftsync/nftsync/rule"
)

// specIndex finds cached entries by their key (specKey) without keeping
// the key: an entry is filed under the sum of its key, and a rule found
// there is compared with the entry's parsed rule (rule.SamePrint, which
// mostly does not print them; a rule is never modified once passed to
// Apply). Keeping each rule's
// iptables-save form (about 80 bytes) for this was a tenth of nftsync's
// memory at 100k rules.
type specIndex struct{ sumIndex[*entry] }

// sumIndex files values by the sum of their key, without the key: a value
// whose sum another value has is filed under its whole key in other.
// Whoever looks a value up confirms the one found by sum.
type sumIndex[V any] struct {
	bySum map[uint64]V
	other map[specKey]V
}

// keySeed seeds the sums of keys.
var keySeed = maphash.MakeSeed()

// sum returns the sum of k.
func (k specKey) sum() uint64 {
	var h maphash.Hash
	h.SetSeed(keySeed)
	h.WriteByte(byte(k.fam))
	h.WriteString(k.spec)
	return h.Sum64()
}

// get returns the entry of r, whose key is k and its sum sum, or nil.
func (x *specIndex) get(r *rule.Rule, k specKey, sum uint64) *entry {
	e, _ := x.find(k, sum, func(e *entry) bool { return e.src != nil && e.src.SamePrint(r) })
	return e
}

// find returns the value of key k, whose sum is sum: the one filed under
// sum when same confirms it, else the one filed under k.
func (x *sumIndex[V]) find(k specKey, sum uint64, same func(V) bool) (V, bool) {
	if v, ok := x.bySum[sum]; ok && same(v) {
		return v, true
	}
	v, ok := x.other[k]
	return v, ok
}

// put files v, which find did not find, under key k with sum sum.
func (x *sumIndex[V]) put(k specKey, sum uint64, v V) {
	if _, taken := x.bySum[sum]; !taken {
		if x.bySum == nil {
			x.bySum = map[uint64]V{}
		}
		x.bySum[sum] = v
		return
	}
	if x.other == nil {
		x.other = map[specKey]V{}
	}
	x.other[k] = v
}

// len returns the number of values filed.
func (x *sumIndex[V]) len() int { return len(x.bySum) + len(x.other) }

// keep drops the values for which in returns false.
func (x *sumIndex[V]) keep(in func(V) bool) {
	for s, v := range x.bySum {
		if !in(v) {
			delete(x.bySum, s)
		}
	}
	for k, v := range x.other {
		if !in(v) {
			delete(x.other, k)
		}
	}
}

// text returns the rule's iptables-save form, for plans and errors: the
// one it was given, or its parsed rule's.
func (e *entry) text() string {
	if e.spec != "" || e.src == nil {
		return e.spec
	}
	return e.src.String()
}
