package rule

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ExprMarshaler is an expression that marshals itself, for what
// google/nftables cannot express. MarshalExpr returns the complete
// expression as it goes inside an NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS
// (NFTA_EXPR_NAME and NFTA_EXPR_DATA), as expr.Marshal does for the
// library's own expressions. A backend that installs rules must call it
// instead of expr.Marshal for an expression that implements it: the
// library's own marshalling of such an expression is incomplete.
type ExprMarshaler interface {
	MarshalExpr(fam byte) ([]byte, error)
}

// MarshalExpr marshals e: through its own MarshalExpr when it is an
// ExprMarshaler, else through google/nftables.
func MarshalExpr(fam byte, e expr.Any) ([]byte, error) {
	if m, ok := e.(ExprMarshaler); ok {
		return m.MarshalExpr(fam)
	}
	return expr.Marshal(fam, e)
}

// MasqPorts is a masquerade statement with ports ("masquerade to :10-20").
// google/nftables' expr.Masq leaves out NFTA_MASQ_FLAGS whenever it carries
// port registers, and without NF_NAT_RANGE_PROTO_SPECIFIED in those flags
// the kernel ignores the ports; MarshalExpr sends the flags as nft does.
// The embedded Masq describes the expression (a dump decodes into a plain
// expr.Masq with the same fields).
type MasqPorts struct {
	expr.Masq
}

// MarshalExpr encodes the masquerade with its flags and port registers.
func (m *MasqPorts) MarshalExpr(byte) ([]byte, error) {
	flags := NATFlags{Random: m.Random, FullyRandom: m.FullyRandom, Persistent: m.Persistent}.bits(m.ToPorts)
	return marshalExpr("masq", func(ae *netlink.AttributeEncoder) {
		if flags != 0 {
			ae.Uint32(unix.NFTA_MASQ_FLAGS, flags)
		}
		if m.ToPorts {
			ae.Uint32(unix.NFTA_MASQ_REG_PROTO_MIN, m.RegProtoMin)
			if m.RegProtoMax != 0 {
				ae.Uint32(unix.NFTA_MASQ_REG_PROTO_MAX, m.RegProtoMax)
			}
		}
	})
}

// Attributes and operations of the bitwise expression that x/sys does not
// name (linux/netfilter/nf_tables.h).
const (
	nftaBitwiseOp   = 6 // NFTA_BITWISE_OP
	nftaBitwiseData = 7 // NFTA_BITWISE_DATA
	nftBitwiseLsh   = 1 // NFT_BITWISE_LSHIFT
	nftBitwiseRsh   = 2 // NFT_BITWISE_RSHIFT
)

// BitwiseShift shifts a register ("ct mark set ct mark >> 5"), which
// google/nftables' expr.Bitwise cannot express. The embedded Bitwise gives
// the registers and length (Mask and Xor are unused); a dump decodes the
// expression into a plain expr.Bitwise with those fields only, so the
// direction and the shift are not visible after a round trip through the
// library's decoder.
type BitwiseShift struct {
	expr.Bitwise
	// Right shifts towards the low bits (>>), else towards the high (<<).
	Right bool
	// Bits is the shift, 0 to 31.
	Bits uint32
}

// shiftMark returns the shift of the 32-bit value in register 1; a
// negative n shifts right.
func shiftMark(n int) *BitwiseShift {
	s := &BitwiseShift{Bitwise: expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4}, Bits: uint32(n)}
	if n < 0 {
		s.Right, s.Bits = true, uint32(-n)
	}
	return s
}

// MarshalExpr encodes the shift as nft does: the operation, and the shift
// as a 32-bit value in host byte order.
func (s *BitwiseShift) MarshalExpr(byte) ([]byte, error) {
	if s.Bits >= 32 {
		return nil, fmt.Errorf("marshalling a bitwise shift by %d bits: at most 31", s.Bits)
	}
	op := uint32(nftBitwiseLsh)
	if s.Right {
		op = nftBitwiseRsh
	}
	return marshalExpr("bitwise", func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NFTA_BITWISE_SREG, s.SourceRegister)
		ae.Uint32(unix.NFTA_BITWISE_DREG, s.DestRegister)
		ae.Uint32(unix.NFTA_BITWISE_LEN, s.Len)
		ae.Uint32(nftaBitwiseOp, op)
		ae.Nested(nftaBitwiseData, func(nae *netlink.AttributeEncoder) error {
			nae.Bytes(unix.NFTA_DATA_VALUE, binary.NativeEndian.AppendUint32(nil, s.Bits))
			return nil
		})
	})
}

// marshalExpr frames an expression's attributes as expr.Marshal does: its
// name, then its data nested (numbers in network byte order).
func marshalExpr(name string, data func(ae *netlink.AttributeEncoder)) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(unix.NFTA_EXPR_NAME, []byte(name+"\x00"))
	ae.Nested(unix.NFTA_EXPR_DATA, func(nae *netlink.AttributeEncoder) error {
		nae.ByteOrder = binary.BigEndian
		data(nae)
		return nil
	})
	b, err := ae.Encode()
	if err != nil {
		return nil, fmt.Errorf("marshalling %s expression: %w", name, err)
	}
	return b, nil
}
