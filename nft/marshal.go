package nft

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// exprMemo marshals expressions and remembers the bytes of those it can key
// by value: the counters, protocol matches, header loads and verdicts that
// recur from rule to rule are marshalled once per compile. One memo serves
// one goroutine; the bytes it returns are shared and must not be modified.
//
// Each kind has a map of its own, keyed by the expression's value: a key
// of type any would box the value, an allocation per lookup (about 8 per
// rule at 10k rules).
type exprMemo struct {
	counter memoMap[expr.Counter]
	meta    memoMap[expr.Meta]
	payload memoMap[expr.Payload]
	verdict memoMap[expr.Verdict]
	cmp     memoMap[cmpKey]
	// buf is where newEntry builds a rule's body before copying it out
	// at its exact size.
	buf attrs
	// xl translates the rules, each into the memory of the one before:
	// newEntry keeps nothing of a translation.
	xl rule.Translator
}

// memoMap holds the marshalled expressions of one kind by family and value.
type memoMap[V comparable] map[memoKey[V]][]byte

// memoKey is an expression's family and value.
type memoKey[V comparable] struct {
	fam byte
	val V
}

// cmpKey is a comparable copy of an expr.Cmp.
type cmpKey struct {
	op   expr.CmpOp
	reg  uint32
	data string
}

func newExprMemo() *exprMemo {
	return &exprMemo{}
}

// marshal returns rule.MarshalExpr(fam, x), from the memo when x's value
// was marshalled before.
func (m *exprMemo) marshal(fam byte, x expr.Any) ([]byte, error) {
	switch v := x.(type) {
	case *expr.Counter:
		return memoized(&m.counter, fam, *v, x)
	case *expr.Meta:
		return memoized(&m.meta, fam, *v, x)
	case *expr.Payload:
		return memoized(&m.payload, fam, *v, x)
	case *expr.Verdict:
		return memoized(&m.verdict, fam, *v, x)
	case *expr.Cmp:
		if len(v.Data) > 1 {
			// Addresses and ports: rarely the same twice.
			return rule.MarshalExpr(fam, x)
		}
		return memoized(&m.cmp, fam, cmpKey{v.Op, v.Register, string(v.Data)}, x)
	}
	return rule.MarshalExpr(fam, x)
}

// memoized returns the bytes of x, whose value is val, from mm, marshalling
// them the first time.
func memoized[V comparable](mm *memoMap[V], fam byte, val V, x expr.Any) ([]byte, error) {
	k := memoKey[V]{fam, val}
	if b, ok := (*mm)[k]; ok {
		return b, nil
	}
	b, err := rule.MarshalExpr(fam, x)
	if err != nil {
		return nil, err
	}
	b = b[:len(b):len(b)] // an append by a user copies
	if *mm == nil {
		*mm = memoMap[V]{}
	}
	(*mm)[k] = b
	return b, nil
}

// appendExpr appends x marshalled (rule.MarshalExpr(fam, x)) to buf. A
// comparison with data of more than a byte (an address, a port) is
// encoded here, without the three allocations of google/nftables'
// encoder: it is in most rules and seldom the same twice.
func (m *exprMemo) appendExpr(buf attrs, fam byte, x expr.Any) (attrs, error) {
	if c, ok := x.(*expr.Cmp); ok && len(c.Data) > 1 {
		return appendCmp(buf, c), nil
	}
	b, err := m.marshal(fam, x)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// appendCmp appends a cmp expression, byte for byte as google/nftables
// marshals it.
func appendCmp(buf attrs, c *expr.Cmp) attrs {
	buf = buf.str(unix.NFTA_EXPR_NAME, "cmp")
	buf, data := openNest(buf, unix.NFTA_EXPR_DATA)
	buf = buf.u32(unix.NFTA_CMP_SREG, c.Register).u32(unix.NFTA_CMP_OP, uint32(c.Op))
	buf, val := openNest(buf, unix.NFTA_CMP_DATA)
	buf = buf.bytes(unix.NFTA_DATA_VALUE, c.Data)
	return closeNest(closeNest(buf, val), data)
}

// openNest appends the header of a nested attribute of type typ and
// returns where it starts, for closeNest.
func openNest(buf attrs, typ uint16) (attrs, int) {
	at := len(buf)
	buf = binary.NativeEndian.AppendUint16(buf, 0)
	return binary.NativeEndian.AppendUint16(buf, typ|unix.NLA_F_NESTED), at
}

// closeNest sets the length of the nested attribute started at at to hold
// everything after it in buf, and pads it, as attrs.nested does.
func closeNest(buf attrs, at int) attrs {
	n := len(buf) - at
	binary.NativeEndian.PutUint16(buf[at:], uint16(n))
	for pad := nlaAlign(n) - n; pad > 0; pad-- {
		buf = append(buf, 0)
	}
	return buf
}
