package nft

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables/expr"
	gxt "github.com/google/nftables/xt"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// Rules are compared by their expressions in a normal form: each expression
// marshalled after removing what legitimately differs between the rule
// nftsync builds and the rule the kernel dumps (live counters, anonymous set
// names and ids, defaults the kernel fills in).

// newExpr returns an empty expression for a kernel expression name, or nil
// when google/nftables cannot decode it. The list follows the library's own
// decoder; an unknown name makes the rule count as drift.
func newExpr(name string) expr.Any {
	switch name {
	case "ct":
		return &expr.Ct{}
	case "range":
		return &expr.Range{}
	case "meta":
		return &expr.Meta{}
	case "cmp":
		return &expr.Cmp{}
	case "counter":
		return &expr.Counter{}
	case "objref":
		return &expr.Objref{}
	case "payload":
		return &expr.Payload{}
	case "lookup":
		return &expr.Lookup{}
	case "immediate":
		return &expr.Immediate{}
	case "bitwise":
		return &expr.Bitwise{}
	case "redir":
		return &expr.Redir{}
	case "nat":
		return &expr.NAT{}
	case "limit":
		return &expr.Limit{}
	case "quota":
		return &expr.Quota{}
	case "dynset":
		return &expr.Dynset{}
	case "log":
		return &expr.Log{}
	case "exthdr":
		return &expr.Exthdr{}
	case "match":
		return &expr.Match{}
	case "target":
		return &expr.Target{}
	case "connlimit":
		return &expr.Connlimit{}
	case "queue":
		return &expr.Queue{}
	case "reject":
		return &expr.Reject{}
	case "masq":
		return &expr.Masq{}
	case "hash":
		return &expr.Hash{}
	case "fib":
		return &expr.Fib{}
	case "numgen":
		return &expr.Numgen{}
	case "socket":
		return &expr.Socket{}
	case "tproxy":
		return &expr.TProxy{}
	case "notrack":
		return &expr.Notrack{}
	case "synproxy":
		return &expr.SynProxy{}
	case "secmark":
		return &expr.SecMark{}
	case "dup":
		return &expr.Dup{}
	case "flow_offload":
		return &expr.FlowOffload{}
	case "rt":
		return &expr.Rt{}
	case "byteorder":
		return &expr.Byteorder{}
	}
	return nil
}

// decodeOwn decodes the expressions whose google/nftables decoder is not
// implemented, or not usable; ok is false for all others.
func decodeOwn(e expr.Any, data []byte) (bool, error) {
	switch v := e.(type) {
	case *expr.Match:
		// Keep the info raw, as rule/xt builds it: google/nftables turns
		// some extensions' info (tcp, comment, SNAT, ...) into its own
		// types, which need not marshal back to the same bytes.
		var err error
		v.Name, v.Rev, v.Info, err = decodeXt(data, unix.NFTA_MATCH_NAME, unix.NFTA_MATCH_REV, unix.NFTA_MATCH_INFO)
		return true, err
	case *expr.Target:
		var err error
		v.Name, v.Rev, v.Info, err = decodeXt(data, unix.NFTA_TARGET_NAME, unix.NFTA_TARGET_REV, unix.NFTA_TARGET_INFO)
		return true, err
	case *expr.Rt:
		return true, walkAttrs(data, func(typ uint16, b []byte) error {
			switch typ {
			case unix.NFTA_RT_DREG:
				v.Register = be32(b)
			case unix.NFTA_RT_KEY:
				v.Key = expr.RtKey(be32(b))
			}
			return nil
		})
	case *expr.Byteorder:
		return true, walkAttrs(data, func(typ uint16, b []byte) error {
			switch typ {
			case unix.NFTA_BYTEORDER_SREG:
				v.SourceRegister = be32(b)
			case unix.NFTA_BYTEORDER_DREG:
				v.DestRegister = be32(b)
			case unix.NFTA_BYTEORDER_OP:
				v.Op = expr.ByteorderOp(be32(b))
			case unix.NFTA_BYTEORDER_LEN:
				v.Len = be32(b)
			case unix.NFTA_BYTEORDER_SIZE:
				v.Size = be32(b)
			}
			return nil
		})
	}
	return false, nil
}

// decodeXt decodes an nft_compat match or target (whose attributes have
// the given types): its name, revision and raw info.
func decodeXt(data []byte, nameT, revT, infoT uint16) (name string, rev uint32, info gxt.InfoAny, err error) {
	info = &gxt.Unknown{} // never nil: marshalling would fail on it
	err = walkAttrs(data, func(typ uint16, b []byte) error {
		switch typ {
		case nameT:
			name = cstring(b)
		case revT:
			rev = be32(b)
		case infoT:
			u := gxt.Unknown(append([]byte(nil), b...))
			info = &u
		}
		return nil
	})
	return name, rev, info, err
}

// Attributes and operations of the bitwise expression that x/sys does not
// name (linux/netfilter/nf_tables.h).
const (
	nftaBitwiseOp   = 6 // NFTA_BITWISE_OP
	nftaBitwiseData = 7 // NFTA_BITWISE_DATA
	nftBitwiseLsh   = 1 // NFT_BITWISE_LSHIFT
	nftBitwiseRsh   = 2 // NFT_BITWISE_RSHIFT
)

// decodeShift decodes a bitwise expression whose operation is a shift;
// ok is false for the mask-and-xor form.
func decodeShift(data []byte) (expr.Any, bool, error) {
	var op uint32
	var sh rule.BitwiseShift
	err := walkAttrs(data, func(typ uint16, b []byte) error {
		switch typ {
		case unix.NFTA_BITWISE_SREG:
			sh.SourceRegister = be32(b)
		case unix.NFTA_BITWISE_DREG:
			sh.DestRegister = be32(b)
		case unix.NFTA_BITWISE_LEN:
			sh.Len = be32(b)
		case nftaBitwiseOp:
			op = be32(b)
		case nftaBitwiseData:
			return walkAttrs(b, func(typ uint16, v []byte) error {
				if typ == unix.NFTA_DATA_VALUE && len(v) == 4 {
					sh.Bits = binary.NativeEndian.Uint32(v)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("decoding bitwise expression: %w", err)
	}
	if op != nftBitwiseLsh && op != nftBitwiseRsh {
		return nil, false, nil
	}
	sh.Right = op == nftBitwiseRsh
	return &sh, true, nil
}

// decodeElem decodes one NFTA_LIST_ELEM of a rule's expression list.
func decodeElem(fam byte, elem []byte) (expr.Any, error) {
	var name string
	var data []byte
	err := walkAttrs(elem, func(typ uint16, b []byte) error {
		switch typ {
		case unix.NFTA_EXPR_NAME:
			name = cstring(b)
		case unix.NFTA_EXPR_DATA:
			data = b
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if name == "bitwise" {
		// A shift decodes into rule.BitwiseShift: expr.Bitwise has no
		// field for the operation and would lose it.
		if sh, ok, err := decodeShift(data); ok || err != nil {
			return sh, err
		}
	}
	e := newExpr(name)
	if e == nil {
		return nil, fmt.Errorf("expression %q is unknown to nftsync", name)
	}
	if _, ok := e.(*expr.Notrack); ok {
		return e, nil
	}
	if own, err := decodeOwn(e, data); own || err != nil {
		if err != nil {
			return nil, fmt.Errorf("decoding %s expression: %w", name, err)
		}
		return e, nil
	}
	if err := expr.Unmarshal(fam, data, e); err != nil {
		return nil, fmt.Errorf("decoding %s expression: %w", name, err)
	}
	// A verdict is an immediate into the verdict register.
	if imm, ok := e.(*expr.Immediate); ok && imm.Register == unix.NFT_REG_VERDICT && len(imm.Data) == 0 {
		v := &expr.Verdict{}
		if err := expr.Unmarshal(fam, data, v); err != nil {
			return nil, fmt.Errorf("decoding verdict: %w", err)
		}
		e = v
	}
	return e, nil
}

// normalize returns e without what may differ between two installs of the
// same rule. It never modifies e, and may return e itself when e is its
// own normal form (callers compare the result with e).
func normalize(e expr.Any) expr.Any {
	switch v := e.(type) {
	case *expr.Counter:
		if *v == (expr.Counter{}) {
			return e // most rules have one: no copy
		}
		return &expr.Counter{}
	case *expr.Lookup:
		cp := *v
		cp.SetName, cp.SetID = "", 0
		return &cp
	case *expr.NAT:
		cp := *v
		if cp.RegAddrMax == 0 {
			cp.RegAddrMax = cp.RegAddrMin
		}
		if cp.RegProtoMax == 0 {
			cp.RegProtoMax = cp.RegProtoMin
		}
		if cp.RegProtoMin != 0 {
			cp.Specified = true
		}
		return &cp
	case *expr.Redir:
		cp := *v
		if cp.RegisterProtoMax == 0 {
			cp.RegisterProtoMax = cp.RegisterProtoMin
		}
		return &cp
	case *expr.Masq:
		return normMasq(*v)
	case *rule.MasqPorts:
		return normMasq(v.Masq)
	case *expr.Ct:
		// The kernel keeps no direction for the protocol keys (a
		// connection has one protocol) and dumps none.
		cp := *v
		if cp.Key == expr.CtKeyPROTOCOL || cp.Key == expr.CtKeyL3PROTOCOL {
			cp.Direction, cp.OptDirection = 0, false
		}
		return &cp
	case *expr.Log:
		cp := *v
		// A queue threshold of 0 is the kernel's default, which it
		// does not dump.
		if cp.QThreshold == 0 {
			cp.Key &^= 1 << unix.NFTA_LOG_QTHRESHOLD
		}
		if cp.Key&(1<<unix.NFTA_LOG_GROUP) == 0 && cp.Key&(1<<unix.NFTA_LOG_LEVEL) == 0 {
			cp.Key |= 1 << unix.NFTA_LOG_LEVEL
			cp.Level = expr.LogLevelWarning
		}
		return &cp
	case *expr.Limit:
		cp := *v
		if cp.Type == expr.LimitTypePkts && cp.Burst == 0 {
			cp.Burst = 5
		}
		return &cp
	}
	return e
}

// normMasq is the normal form of a masquerade, built as nftsync installs
// one (rule.MasqPorts keeps the flags google/nftables drops when ports are
// given) with the kernel's default for the upper port.
func normMasq(m expr.Masq) expr.Any {
	if m.RegProtoMax == 0 {
		m.RegProtoMax = m.RegProtoMin
	}
	return &rule.MasqPorts{Masq: m}
}

// normBytes returns the normal form of e, marshalled.
func normBytes(fam byte, e expr.Any) ([]byte, error) {
	return rule.MarshalExpr(fam, normalize(e))
}
