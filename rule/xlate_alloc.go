package rule

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
)

// This file holds how a translation allocates: the nftables engine
// translates every rule it installs (TranslateExprs), and a ruleset of 10k
// rules made 25 small allocations a rule, a third of the engine's CPU then
// going to the garbage collector. The expressions are the same values as
// ever; only their memory is taken in fewer, larger pieces.

// Sizes of the arrays a translation starts with: enough for the usual rule
// (a header match or two, a match, counter and verdict); a larger rule
// grows its slices as before.
const (
	inlineStmts = 4
	inlineExprs = 10
	// inlineLoadCmps and inlineMetaCmps are the payload and meta tests a
	// block has room for (-s, -d and --dport; -p and -i).
	inlineLoadCmps = 3
	inlineMetaCmps = 2
)

// xlateBlock is what a translation allocates at once: the Translation
// returned, the xlator that builds it, and the first statements and
// expressions (Stmt.Exprs are slices of exprs). The Translation keeps the
// block alive, nothing else does: Translation.Exprs copies.
type xlateBlock struct {
	t     Translation
	x     xlator
	stmts [inlineStmts]Stmt
	exprs [inlineExprs]expr.Any
	// The first expressions themselves: the usual tests, the counter and
	// the verdict.
	lcs      [inlineLoadCmps]loadCmp
	mcs      [inlineMetaCmps]metaCmp
	cv       counterVerdict
	nlc, nmc int
}

// newXlator returns the xlator of a translation of r in blk, a new block
// when blk is nil.
func newXlator(r *Rule, noText bool, blk *xlateBlock) *xlator {
	if blk == nil {
		blk = &xlateBlock{}
	} else {
		*blk = xlateBlock{}
	}
	blk.x = xlator{fam: r.Family, rule: r, noText: noText, stmts: blk.stmts[:0], exprs: blk.exprs[:0], out: &blk.t, blk: blk}
	return &blk.x
}

// A Translator translates rules one after another into the same memory:
// the Translation it returns, its Stmts, their Exprs and the usual
// expressions themselves are valid until its next call (its Sets stay the
// caller's: copy the expressions to keep them). Its zero value is ready to
// use; it is not safe for concurrent use.
//
// The nftables engine translates each rule once, to encode it, and keeps
// nothing of the Translation: a new block a rule was a kilobyte of
// garbage a rule, 100 MB in a cold apply of 100k rules, and the cost of
// writing its pointer bitmap was a tenth of that apply's CPU.
type Translator struct {
	blk *xlateBlock
}

// TranslateExprs is Rule.TranslateExprs into t's memory.
func (t *Translator) TranslateExprs(r *Rule) (*Translation, error) {
	if t.blk == nil {
		t.blk = &xlateBlock{}
	}
	return r.translate(true, t.blk)
}

// keep copies a statement's expressions into the translation's slab and
// returns them as a slice of it that no append can write past (nil for
// none, as a statement without expressions has always had).
func (x *xlator) keep(exprs []expr.Any) []expr.Any {
	if len(exprs) == 0 {
		return nil
	}
	if len(x.exprs)+len(exprs) > cap(x.exprs) {
		x.exprs = make([]expr.Any, 0, max(2*inlineExprs, len(exprs)))
	}
	n := len(x.exprs)
	x.exprs = append(x.exprs, exprs...)
	return x.exprs[n:len(x.exprs):len(x.exprs)]
}

// loadCmp is a payload load and the comparison of the loaded bytes, with
// room for the compared data: one allocation for the three.
type loadCmp struct {
	load expr.Payload
	cmp  expr.Cmp
	data [16]byte
}

// newLoadCmp returns payload(base, off, n) and cmp(invert, data).
func newLoadCmp(base expr.PayloadBase, off, n uint32, invert bool, data []byte) (*expr.Payload, *expr.Cmp) {
	return (&loadCmp{}).init(base, off, n, invert, data)
}

// loadCmp is newLoadCmp in the translation's block while it has room.
func (x *xlator) loadCmp(base expr.PayloadBase, off, n uint32, invert bool, data []byte) (*expr.Payload, *expr.Cmp) {
	if b := x.blk; b != nil && b.nlc < len(b.lcs) {
		b.nlc++
		return b.lcs[b.nlc-1].init(base, off, n, invert, data)
	}
	return newLoadCmp(base, off, n, invert, data)
}

func (lc *loadCmp) init(base expr.PayloadBase, off, n uint32, invert bool, data []byte) (*expr.Payload, *expr.Cmp) {
	lc.load = expr.Payload{DestRegister: 1, Base: base, Offset: off, Len: n}
	lc.cmp = expr.Cmp{Op: cmpOp(invert), Register: 1, Data: holdIn(lc.data[:], data)}
	return &lc.load, &lc.cmp
}

// holdIn returns data copied into room when it fits, else a copy of its
// own (nil stays nil).
func holdIn(room []byte, data []byte) []byte {
	if data == nil {
		return nil
	}
	if len(data) > len(room) {
		return append([]byte(nil), data...)
	}
	return append(room[:0:len(data)], data...)
}

// metaCmp is a meta load and the comparison of the loaded value, with
// room for the compared data (an interface name): one allocation.
type metaCmp struct {
	meta expr.Meta
	cmp  expr.Cmp
	data [16]byte
}

// newMetaCmp returns meta(key) and cmp(invert, data); data longer than
// 16 bytes is copied on its own.
func newMetaCmp(key expr.MetaKey, invert bool, data []byte) (*expr.Meta, *expr.Cmp) {
	return (&metaCmp{}).init(key, invert, data)
}

// metaCmp is newMetaCmp in the translation's block while it has room.
func (x *xlator) metaCmp(key expr.MetaKey, invert bool, data []byte) (*expr.Meta, *expr.Cmp) {
	if b := x.blk; b != nil && b.nmc < len(b.mcs) {
		b.nmc++
		return b.mcs[b.nmc-1].init(key, invert, data)
	}
	return newMetaCmp(key, invert, data)
}

func (mc *metaCmp) init(key expr.MetaKey, invert bool, data []byte) (*expr.Meta, *expr.Cmp) {
	mc.meta = expr.Meta{Key: key, Register: 1}
	mc.cmp = expr.Cmp{Op: cmpOp(invert), Register: 1, Data: holdIn(mc.data[:], data)}
	return &mc.meta, &mc.cmp
}

// counterVerdict is a rule's counter and the verdict that usually follows
// it: translate allocates both at once and the target takes the verdict
// (xlator.verdict).
type counterVerdict struct {
	counter expr.Counter
	verdict expr.Verdict
}

// verdict returns a verdict expression: the one allocated with the
// counter, the first time.
func (x *xlator) verdict(kind expr.VerdictKind, chain string) *expr.Verdict {
	v := x.spareVerdict
	if v == nil {
		v = &expr.Verdict{}
	}
	x.spareVerdict = nil
	*v = expr.Verdict{Kind: kind, Chain: chain}
	return v
}

// maskedTest is maskedCmp of 32-bit host-order values (a mark under a
// mask, ct state flags), with room for the mask, the xor and the value.
type maskedTest struct {
	and  expr.Bitwise
	cmp  expr.Cmp
	room [12]byte
}

// newMasked32 returns maskedCmp(invert, ne32(mask), ne32(value)) in one
// allocation.
func newMasked32(invert bool, mask, value uint32) (*expr.Bitwise, *expr.Cmp) {
	t := &maskedTest{}
	t.init(invert, mask, value)
	return &t.and, &t.cmp
}

func (t *maskedTest) init(invert bool, mask, value uint32) {
	binary.NativeEndian.PutUint32(t.room[0:4], mask)
	binary.NativeEndian.PutUint32(t.room[8:12], value)
	t.and = expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: t.room[0:4:4], Xor: t.room[4:8:8]}
	t.cmp = expr.Cmp{Op: cmpOp(invert), Register: 1, Data: t.room[8:12:12]}
}

// ctFlags is a ct load and the test of its flags (ct state, ct status).
type ctFlags struct {
	ct expr.Ct
	maskedTest
}

// ctFlagsExprs returns the expressions of "ct KEY [! ]FLAGS", in one
// allocation: the load of key and whether any of the bits in mask are set
// in the host-order 32-bit value (nft's implicit operator on bitmask
// types): "x" is & x != 0, and "! x" is & x == 0.
func ctFlagsExprs(key expr.CtKey, invert bool, mask uint32) [3]expr.Any {
	t := &ctFlags{ct: expr.Ct{Register: 1, Key: key}}
	t.init(!invert, mask, 0)
	return [3]expr.Any{&t.ct, &t.and, &t.cmp}
}

// value32 is a comparison with a 32-bit host-order value and its room.
type value32 struct {
	cmp  expr.Cmp
	room [4]byte
}

// newCmp32 returns cmp(invert, ne32(v)) in one allocation.
func newCmp32(invert bool, v uint32) *expr.Cmp {
	c := &value32{}
	binary.NativeEndian.PutUint32(c.room[:], v)
	c.cmp = expr.Cmp{Op: cmpOp(invert), Register: 1, Data: c.room[:4:4]}
	return &c.cmp
}
