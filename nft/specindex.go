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
// memory at 100k rules. An entry whose sum another entry has is filed
// under its whole key in other.
type specIndex struct {
	bySum map[uint64]*entry
	other map[specKey]*entry
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
	if e := x.bySum[sum]; e != nil && e.src != nil && e.src.SamePrint(r) {
		return e
	}
	return x.other[k]
}

// put files e, which get did not find, under key k with sum sum.
func (x *specIndex) put(k specKey, sum uint64, e *entry) {
	if x.bySum == nil {
		x.bySum = map[uint64]*entry{}
	}
	if x.bySum[sum] == nil {
		x.bySum[sum] = e
		return
	}
	if x.other == nil {
		x.other = map[specKey]*entry{}
	}
	x.other[k] = e
}

// len returns the number of entries filed.
func (x *specIndex) len() int { return len(x.bySum) + len(x.other) }

// keep drops the entries for which in returns false.
func (x *specIndex) keep(in func(*entry) bool) {
	for s, e := range x.bySum {
		if !in(e) {
			delete(x.bySum, s)
		}
	}
	for k, e := range x.other {
		if !in(e) {
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
