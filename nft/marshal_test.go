package nft

import (
	"bytes"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestAppendCmp checks that nftsync's own encoder of comparisons writes
// the bytes google/nftables' does, for every length of data (padded or
// not) and after bytes already in the buffer.
func TestAppendCmp(t *testing.T) {
	for n := 0; n <= 17; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(0xa0 + i)
		}
		for _, c := range []*expr.Cmp{
			{Op: expr.CmpOpEq, Register: 1, Data: data},
			{Op: expr.CmpOpNeq, Register: 9, Data: data},
			{Op: expr.CmpOpGte, Register: 17, Data: data},
		} {
			want, err := rule.MarshalExpr(unix.NFPROTO_IPV4, c)
			if err != nil {
				t.Fatal(err)
			}
			got := appendCmp(attrs{1, 2, 3, 4}, c)
			if !bytes.Equal(got[:4], []byte{1, 2, 3, 4}) || !bytes.Equal(got[4:], want) {
				t.Errorf("cmp %v reg %d with %d bytes:\n got %x\nwant %x", c.Op, c.Register, n, got[4:], want)
			}
		}
	}
}

// TestMemoSharesValues checks that the memo returns the same bytes for
// equal values and different bytes for different ones, per family.
func TestMemoSharesValues(t *testing.T) {
	m := newExprMemo()
	a1, _ := m.marshal(unix.NFPROTO_IPV4, &expr.Verdict{Kind: expr.VerdictAccept})
	a2, _ := m.marshal(unix.NFPROTO_IPV4, &expr.Verdict{Kind: expr.VerdictAccept})
	d, _ := m.marshal(unix.NFPROTO_IPV4, &expr.Verdict{Kind: expr.VerdictDrop})
	if &a1[0] != &a2[0] {
		t.Error("equal verdicts marshalled twice")
	}
	if bytes.Equal(a1, d) {
		t.Error("accept and drop marshalled alike")
	}
	c4, _ := m.marshal(unix.NFPROTO_IPV4, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{6}})
	c6, _ := m.marshal(unix.NFPROTO_IPV6, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{6}})
	if &c4[0] == &c6[0] {
		t.Error("one memo entry for two families")
	}
}
