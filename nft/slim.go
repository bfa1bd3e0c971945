package nft

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"

	"github.com/nftsync/nftsync/internal/parallel"
	"golang.org/x/sys/unix"
)

// An installed rule's expressions are most of what nftsync holds for it
// (368 of an entry's 440 bytes for a Kilo rule), and they are needed again
// only to add the rule again (after a flush, a foreign deletion) or to
// recognise it in a dump. Once the plan that installs it is built, an
// entry translated from a parsed rule keeps its userdata and compat
// attribute and a hash sum of its expressions as the kernel dumps them: a
// dumped rule with that sum is the entry's; any other is compared with the
// expressions translated again from the parsed rule, exactly as before,
// and when it is the entry's (the kernel dumps some expressions otherwise
// than sent), its sum is the one the next dump is compared with.
//
// An entry with normal forms (a counter starting from -c values) or
// anonymous sets keeps its expressions.

// sumSeed makes the sums unpredictable, so that no one can write a rule
// whose expressions differ from an entry's and have its sum.
var sumSeed = maphash.MakeSeed()

// The sum is of the expressions as the kernel dumps them: a dump lists
// nested attributes without the NLA_F_NESTED flag nftsync sends, and a
// counter with the packets and bytes it counted, which are no part of the
// rule (sameNorm ignores them too). So the sum leaves out both: a rule
// that saw traffic is still recognised by its sum.

// sumElems returns the sum of a rule's marshalled expressions.
func sumElems(elems [][]byte) uint64 {
	var h maphash.Hash
	h.SetSeed(sumSeed)
	var buf []byte
	for _, el := range elems {
		buf = sumElem(&h, el, buf)
	}
	return h.Sum64()
}

// sumList is sumElems of the expressions of an NFTA_RULE_EXPRESSIONS
// attribute (one nftsync built), through buf (returned for reuse). It walks
// the list itself: a closure passed to walkAttrs would move the hash to
// the heap, an allocation a rule.
func sumList(list attrs, buf []byte) (uint64, []byte) {
	var h maphash.Hash
	h.SetSeed(sumSeed)
	b := list[unix.NLA_HDRLEN:]
	for len(b) >= unix.NLA_HDRLEN {
		n := int(binary.NativeEndian.Uint16(b))
		if n < unix.NLA_HDRLEN || n > len(b) {
			break
		}
		buf = sumElem(&h, b[unix.NLA_HDRLEN:n], buf)
		b = b[min(nlaAlign(n), len(b)):]
	}
	return h.Sum64(), buf
}

// counterName is the NFTA_EXPR_NAME attribute of a counter expression.
var counterName = attrs(nil).str(unix.NFTA_EXPR_NAME, "counter")

// sumElem adds one expression to h, through buf (returned for reuse).
func sumElem(h *maphash.Hash, el, buf []byte) []byte {
	var n [4]byte
	if bytes.HasPrefix(el, counterName) {
		// A counter, whatever it counted.
		binary.NativeEndian.PutUint32(n[:], ^uint32(0))
		h.Write(n[:])
		return buf
	}
	buf = append(buf[:0], el...)
	clearNested(buf)
	binary.NativeEndian.PutUint32(n[:], uint32(len(buf)))
	h.Write(n[:])
	h.Write(buf)
	return buf
}

// clearNested clears the NLA_F_NESTED flag of the attributes in b and in
// those nested in them.
func clearNested(b []byte) {
	for len(b) >= unix.NLA_HDRLEN {
		l := int(binary.NativeEndian.Uint16(b))
		if l < unix.NLA_HDRLEN || l > len(b) {
			return
		}
		if t := binary.NativeEndian.Uint16(b[2:]); t&unix.NLA_F_NESTED != 0 {
			binary.NativeEndian.PutUint16(b[2:], t&^unix.NLA_F_NESTED)
			clearNested(b[unix.NLA_HDRLEN:l])
		}
		if nlaAlign(l) >= len(b) {
			return
		}
		b = b[nlaAlign(l):]
	}
}

// shrink makes e slim when it can be, hashing through buf (returned for
// reuse; nil will do).
func (e *entry) shrink(buf []byte) []byte {
	if e.slim || e.src == nil || e.withSets != nil || len(e.norms) > 0 {
		return buf
	}
	list := e.list()
	e.sum, buf = sumList(list, buf)
	e.body = append(attrs(nil), e.body[len(list):]...)
	e.slim = true
	return buf
}

// full returns e with its expressions, translated again when e is slim
// (nil if that fails, which it did not when e was made).
func (e *entry) full() *entry {
	if !e.slim {
		return e
	}
	f, err := newEntry(e.src, e.spec, newExprMemo())
	if err != nil {
		return nil
	}
	return f
}

// wire returns the body of e's NEWRULE message.
func (e *entry) wire() (attrs, error) {
	if !e.slim {
		return e.body, nil
	}
	f, err := newEntry(e.src, e.spec, newExprMemo())
	if err != nil {
		return nil, err
	}
	return f.body, nil
}

// sameSlim is sameExprs for a slim entry.
func (e *entry) sameSlim(fam byte, elems [][]byte) bool {
	if sumElems(elems) == e.sum {
		return true
	}
	f := e.full()
	if f == nil || !f.sameExprs(fam, elems) {
		return false
	}
	// The kernel dumps this rule otherwise than sent (an attribute it
	// adds, another order): the next dump is recognised by its sum.
	e.sum = sumElems(elems)
	return true
}

// shrinkBuilt makes slim the entries compiled for d, once the plan that
// installs them is built (they are added from it).
func (d *desired) shrinkBuilt() {
	// On all CPUs: a cold apply builds every entry (each is in built
	// once).
	parallel.Range(len(d.built), func(lo, hi int) {
		var buf []byte
		for _, e := range d.built[lo:hi] {
			buf = e.shrink(buf)
		}
	})
	d.built, d.texts = nil, nil
}

// expand translates again, on all CPUs, the slim entries of the rules of
// wc that the plan adds (all of them when the chain is flushed), so that
// re-adding a long chain (after a flush, someone else's) does not
// translate its rules one after another; they are made slim again with
// the entries built for d.
func (p *planner) expand(wc *wantChain, match []int, flush bool) {
	var slim []*entry
	var seen map[*entry]bool
	for j, wr := range wc.rules {
		if !flush && match[j] >= 0 {
			continue // kept: its entry is not read
		}
		if e := wr.ent; e.slim && !seen[e] {
			if seen == nil {
				seen = map[*entry]bool{}
			}
			seen[e] = true
			slim = append(slim, e)
		}
	}
	if len(slim) == 0 {
		return
	}
	fulls := make([]*entry, len(slim))
	parallel.Range(len(slim), func(lo, hi int) {
		memo := newExprMemo()
		for i := lo; i < hi; i++ {
			e := slim[i]
			if f, err := newEntry(e.src, e.spec, memo); err == nil {
				fulls[i] = f
			}
		}
	})
	for i, e := range slim {
		if f := fulls[i]; f != nil {
			e.body, e.slim = f.body, false
			p.d.built = append(p.d.built, e)
		}
	}
}
