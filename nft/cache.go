package nft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/parallel"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// entry is one distinct rule compiled: what nftsync installs for it and
// how it recognises it after a dump. It is computed once and reused by
// every Apply whose desired state holds the rule, so that an Apply that
// changes one rule of 10k translates one rule.
type entry struct {
	// spec is the iptables-save form (Spec.String()) of a placed entry;
	// an entry translated from a parsed rule reads it from src (see
	// text).
	spec string
	// body holds the NFTA_RULE_EXPRESSIONS and NFTA_RULE_USERDATA
	// attributes, ready to append to a NEWRULE message unless the rule has
	// anonymous sets (their ids differ per batch: see withSets). The
	// expressions as installed (installed()) and the userdata (userdata())
	// are read from it: an entry holds each byte of a rule once.
	body attrs
	// norms are the marshalled normal forms of the expressions whose
	// normal form is not the installed one (a counter's, for one).
	norms []normElem
	// withSets is the rule's expressions and anonymous sets when it has
	// any (rare: nil otherwise).
	withSets *setRule
	// used is the epoch of the latest sweep that found it in use (16
	// bits: with fam, compatLen, udLen, counted and slim it fills one
	// word, and the entry takes 96 bytes; an epoch that wraps around
	// only keeps an unused entry one sweep longer).
	used uint16
	fam  rule.Family
	// compatLen is the length of the NFTA_RULE_COMPAT attribute (see
	// compatAttr), which ends body when the rule needs one.
	compatLen uint8
	// udLen is the length of the userdata, which ends body before the
	// compat attribute.
	udLen uint16
	// counted is set when the rule starts from counters (-c): another
	// entry of the same rule without them (or with others) has the same
	// userdata and meaning (see desired.class).
	counted bool
	// flow says how the rule's target leaves the chain (flowJump,
	// flowLeaves), for the segmented layout (segments.go).
	flow uint8
	// slim is set once body holds no expressions, only their hash sum
	// (see slim.go); src is the parsed rule they are translated from
	// again (nil for an entry that cannot be slimmed).
	slim bool
	sum  uint64
	src  *rule.Rule
}

// setRule is a rule with anonymous sets: its messages are built per batch.
type setRule struct {
	exprs []expr.Any
	sets  []*rule.AnonSet
}

// list returns the NFTA_RULE_EXPRESSIONS attribute (translated again when
// the entry is slim).
func (e *entry) list() attrs {
	if e.slim {
		f := e.full()
		if f == nil {
			return nil
		}
		return f.list()
	}
	n := binary.NativeEndian.Uint16(e.body)
	return e.body[:n:n]
}

// userdata returns the rule's userdata.
func (e *entry) userdata() []byte {
	if e.udLen == 0 {
		return nil
	}
	end := len(e.body) - int(e.compatLen) - nlaAlign(int(e.udLen)) + int(e.udLen)
	return e.body[end-int(e.udLen) : end : end]
}

// compat returns the rule's NFTA_RULE_COMPAT attribute, or nil.
func (e *entry) compat() attrs {
	if e.compatLen == 0 {
		return nil
	}
	return e.body[len(e.body)-int(e.compatLen):]
}

// setBody encodes the rule's expressions, userdata and compat attribute
// into body, in one allocation.
func (e *entry) setBody(elems [][]byte, ud []byte, compat attrs) error {
	if err := checkTail(ud, compat); err != nil {
		return err
	}
	body, err := ruleBody(elems, ud, compat...)
	if err != nil {
		return err
	}
	e.body, e.udLen, e.compatLen = body, uint16(len(ud)), uint8(len(compat))
	return nil
}

// checkTail checks that an entry can hold the lengths of a rule's userdata
// and compat attribute.
func checkTail(ud []byte, compat attrs) error {
	if len(ud) > 0xffff {
		return fmt.Errorf("userdata of %d bytes", len(ud))
	}
	if len(compat) > 0xff {
		return fmt.Errorf("compat attribute of %d bytes", len(compat))
	}
	return nil
}

// ruleCache finds the entries of a desired state's rules: by the *rule.Rule
// pointer at the same place (or at a constant offset) in the same chain of
// the latest compile (the controller passes the same rules again; a rule is
// never modified once passed to Apply), and by family and iptables-save
// form (a rule parsed again). Entries unused by the latest compile are
// dropped once they outnumber the used ones.
type ruleCache struct {
	bySpec specIndex
	// last is the latest compile, whose chains hint where each rule's
	// entry is.
	last *desired
	// spare is a compiled state no longer used (neither last nor the
	// Backend's lastD), whose slices the next compile fills again: at
	// 10k rules a third of a megabyte less to allocate a change, which
	// matters most while the collector runs (its tax is by allocation).
	spare *desired
	epoch uint16 // of the latest sweep (see end)
}

// specKey is the key of a rule's entry: its family and iptables-save form,
// followed by the counters it starts from when not zero (they are in its
// counter expression, not in its form).
type specKey struct {
	fam  rule.Family
	spec string
}

// keyOf returns the key of r's entry.
func keyOf(r *rule.Rule) specKey {
	s := r.String()
	if r.Counters != (rule.Counters{}) {
		s += countersSuffix(r)
	}
	return specKey{r.Family, s}
}

func countersSuffix(r *rule.Rule) string { return " " + r.Counters.String() }

func newRuleCache() *ruleCache {
	return &ruleCache{}
}

// end finishes the compile of d: entries d does not use go when they
// outnumber the ones it uses. The entries in use are only marked then, so
// that a compile that changes one rule does not touch every entry.
func (c *ruleCache) end(d *desired) {
	if c.bySpec.len() <= 2*d.rules+64 {
		return
	}
	c.epoch++
	live := 0
	for _, t := range d.tables {
		for _, wc := range t.chains {
			for _, w := range wc.rules {
				if w.ent.used != c.epoch {
					w.ent.used = c.epoch
					live++
				}
			}
		}
	}
	if c.bySpec.len() <= 2*live+64 {
		return
	}
	c.bySpec.keep(func(e *entry) bool { return e.used == c.epoch })
}

// fill sets the entries of rules not found by pointer: found by their
// iptables-save form, or compiled (it returns those, and the forms of
// those without counters). Both steps run on all CPUs when there are many
// rules (a cold apply of 10k rules).
func (c *ruleCache) fill(misses []*wantRule) ([]*entry, map[*entry]string, error) {
	if len(misses) == 0 {
		return nil, nil, nil
	}
	specs := make([]specKey, len(misses))
	sums := make([]uint64, len(misses))
	found := make([]*entry, len(misses))
	// The index is only read here (get confirms a hit by comparing the
	// cached rule: in parallel too).
	parallel.Each(len(misses), func(i int) {
		r := misses[i].src.Rules[misses[i].idx].Spec
		specs[i] = keyOf(r)
		sums[i] = specs[i].sum()
		found[i] = c.bySpec.get(r, specs[i], sums[i])
	})
	var build []*wantRule
	var buildAt []int // in specs
	// Equal rules share one entry: firsts finds the first of them to
	// build (its index in build) by the sum of its key, confirmed by the
	// key.
	fresh := 0
	for _, e := range found {
		if e == nil {
			fresh++
		}
	}
	firsts := sumIndex[int]{bySum: make(map[uint64]int, fresh)}
	slot := func(i int) (int, bool) {
		return firsts.find(specs[i], sums[i], func(k int) bool { return specs[buildAt[k]] == specs[i] })
	}
	for i, w := range misses {
		if w.ent = found[i]; w.ent != nil {
			continue
		}
		if _, dup := slot(i); dup {
			continue
		}
		firsts.put(specs[i], sums[i], len(build))
		build = append(build, w)
		buildAt = append(buildAt, i)
	}
	built := make([]*entry, len(build))
	errs := make([]error, len(build))
	parallel.Range(len(build), func(lo, hi int) {
		memo := newExprMemo()
		for i := lo; i < hi; i++ {
			w := build[i]
			r := w.src.Rules[w.idx].Spec
			built[i], errs[i] = newEntry(r, "", memo)
		}
	})
	texts := make(map[*entry]string, len(build))
	for i, err := range errs {
		if err != nil {
			w := build[i]
			return nil, nil, &firewall.RuleError{Rule: w.label(), Err: err}
		}
		c.bySpec.put(specs[buildAt[i]], sums[buildAt[i]], built[i])
		if !built[i].counted {
			texts[built[i]] = specs[buildAt[i]].spec
		}
	}
	for i, w := range misses {
		if w.ent == nil {
			k, _ := slot(i)
			w.ent = built[k]
		}
	}
	return built, texts, nil
}

// newEntry translates and marshals one rule, marshalling expressions
// through memo. spec is kept as the rule's iptables-save form; "" leaves
// text to read it from r when needed. The expressions are written straight
// into memo's buffer and the body copied out once, at its size.
func newEntry(r *rule.Rule, spec string, memo *exprMemo) (*entry, error) {
	tr, err := memo.xl.TranslateExprs(r)
	if err != nil {
		return nil, err
	}
	ud, pieces, err := storeRule(r, tr)
	if err != nil {
		return nil, err
	}
	compat := compatAttr(r, tr)
	if err := checkTail(ud, compat); err != nil {
		return nil, err
	}
	e := &entry{fam: r.Family, spec: spec, counted: r.Counters != (rule.Counters{}), flow: flowOf(r), src: r}
	fam := nfproto(r.Family)
	buf, list := openNest(memo.buf[:0], unix.NFTA_RULE_EXPRESSIONS)
	// The expressions are the statements' and then the pieces, walked in
	// place rather than gathered into a slice first.
	i := -1
	for si := 0; si <= len(tr.Stmts); si++ {
		xs := pieces
		if si < len(tr.Stmts) {
			xs = tr.Stmts[si].Exprs
		}
		for _, x := range xs {
			i++
			if buf, err = e.appendElem(buf, memo, fam, i, x); err != nil {
				return nil, err
			}
		}
	}
	memo.buf = buf
	if err := closeList(buf, list, i+1); err != nil {
		return nil, err
	}
	if len(tr.Sets) > 0 {
		// The entry keeps these expressions, which memo's translator
		// reuses: a translation of their own.
		own, err := r.TranslateExprs()
		if err != nil {
			return nil, err
		}
		e.withSets = &setRule{exprs: append(own.Exprs(), pieces...), sets: own.Sets}
	}
	e.body = appendTail(make(attrs, 0, len(buf)+tailLen(ud, compat)), buf, ud, compat)
	e.udLen, e.compatLen = uint16(len(ud)), uint8(len(compat))
	return e, nil
}

// appendElem appends expression i of e, x, to buf as an element of its
// list, and notes its normal form when that differs.
func (e *entry) appendElem(buf attrs, memo *exprMemo, fam byte, i int, x expr.Any) (attrs, error) {
	buf, el := openNest(buf, unix.NFTA_LIST_ELEM)
	buf, err := memo.appendExpr(buf, fam, x)
	if err != nil {
		return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
	}
	b := buf[el+unix.NLA_HDRLEN:]
	buf = closeNest(buf, el)
	if n := normalize(x); n != x {
		nb, err := memo.marshal(fam, n)
		if err != nil {
			return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
		}
		if !bytes.Equal(nb, b) {
			e.norms = append(e.norms, normElem{i, nb})
		}
	}
	return buf, nil
}

// normElem is the normal form of expression i of a rule.
type normElem struct {
	i    int
	norm []byte
}

// installed returns the rule's marshalled expressions as installed (slices
// of list).
func (e *entry) installed() [][]byte {
	var out [][]byte
	_ = walkAttrs(e.list()[unix.NLA_HDRLEN:], func(_ uint16, b []byte) error {
		out = append(out, b)
		return nil
	})
	return out
}

// normal returns the marshalled normal forms of the rule's expressions.
func (e *entry) normal() [][]byte {
	out := e.installed()
	for _, n := range e.norms {
		out[n.i] = n.norm
	}
	return out
}

// sameExprs reports whether dumped expressions are the entry's: each is
// byte-identical to the one installed (no decoding), or equal to its
// normal form once decoded and normalised (live counters, kernel
// defaults).
func (e *entry) sameExprs(fam byte, elems [][]byte) bool {
	if e.slim {
		return e.sameSlim(fam, elems)
	}
	i, k := 0, 0
	err := walkAttrs(e.list()[unix.NLA_HDRLEN:], func(_ uint16, b []byte) error {
		if i >= len(elems) {
			return errDiffer
		}
		norm := b
		for k < len(e.norms) && e.norms[k].i < i {
			k++
		}
		if k < len(e.norms) && e.norms[k].i == i {
			norm = e.norms[k].norm
		}
		if !bytes.Equal(elems[i], b) && !sameNorm(fam, elems[i], norm) {
			return errDiffer
		}
		i++
		return nil
	})
	return err == nil && i == len(elems)
}

// errDiffer stops a walk over expressions that differ.
var errDiffer = errors.New("expressions differ")

// ruleBody encodes a rule's expressions and userdata, followed by tail
// (attributes), as NEWRULE attributes, in one allocation.
func ruleBody(elems [][]byte, ud []byte, tail ...byte) (attrs, error) {
	list := unix.NLA_HDRLEN
	for _, e := range elems {
		list += unix.NLA_HDRLEN + nlaAlign(len(e))
	}
	a, at := openNest(make(attrs, 0, list+tailLen(ud, tail)), unix.NFTA_RULE_EXPRESSIONS)
	for _, e := range elems {
		a = a.nested(unix.NFTA_LIST_ELEM, e)
	}
	if err := closeList(a, at, len(elems)); err != nil {
		return nil, err
	}
	return appendTail(a, nil, ud, tail), nil
}

// closeList ends the NFTA_RULE_EXPRESSIONS attribute of n expressions
// started at at in a. Its length field has 16 bits: a longer list would
// wrap it and the kernel would install a truncated rule, so it is an
// error.
func closeList(a attrs, at, n int) error {
	if len(a)-at > 0xffff {
		return fmt.Errorf("the rule's %d expressions take %d bytes; a netlink attribute holds at most 65535", n, len(a)-at)
	}
	closeNest(a, at)
	return nil
}

// tailLen is the length appendTail adds for ud and tail.
func tailLen(ud []byte, tail attrs) int {
	n := len(tail)
	if len(ud) > 0 {
		n += unix.NLA_HDRLEN + nlaAlign(len(ud))
	}
	return n
}

// appendTail appends list (the expressions), then the userdata attribute
// (when there is userdata) and tail, to dst.
func appendTail(dst, list attrs, ud []byte, tail attrs) attrs {
	dst = append(dst, list...)
	if len(ud) > 0 {
		dst = dst.bytes(unix.NFTA_RULE_USERDATA, ud)
	}
	return append(dst, tail...)
}
