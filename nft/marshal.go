package nft

import (
	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
)

// exprMemo marshals expressions and remembers the bytes of those it can key
// by value: the counters, protocol matches, header loads and verdicts that
// recur from rule to rule are marshalled once per compile. One memo serves
// one goroutine; the bytes it returns are shared and must not be modified.
type exprMemo struct {
	seen map[memoKey][]byte
}

// memoKey is an expression's family and value.
type memoKey struct {
	fam byte
	val any
}

// cmpKey is a comparable copy of an expr.Cmp.
type cmpKey struct {
	op   expr.CmpOp
	reg  uint32
	data string
}

func newExprMemo() *exprMemo {
	return &exprMemo{seen: map[memoKey][]byte{}}
}

// marshal returns rule.MarshalExpr(fam, x), from the memo when x's value
// was marshalled before.
func (m *exprMemo) marshal(fam byte, x expr.Any) ([]byte, error) {
	var val any
	switch v := x.(type) {
	case *expr.Counter:
		val = *v
	case *expr.Meta:
		val = *v
	case *expr.Payload:
		val = *v
	case *expr.Verdict:
		val = *v
	case *expr.Cmp:
		if len(v.Data) > 1 {
			return rule.MarshalExpr(fam, x)
		}
		val = cmpKey{v.Op, v.Register, string(v.Data)}
	default:
		return rule.MarshalExpr(fam, x)
	}
	k := memoKey{fam, val}
	if b, ok := m.seen[k]; ok {
		return b, nil
	}
	b, err := rule.MarshalExpr(fam, x)
	if err != nil {
		return nil, err
	}
	b = b[:len(b):len(b)] // an append by a user copies
	m.seen[k] = b
	return b, nil
}
