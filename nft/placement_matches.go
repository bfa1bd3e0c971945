package nft

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// The matches of a placed rule, as iptables-nft 1.8.9 writes them: native
// where it translates the extension itself (tcp and udp ports, mark,
// limit), the xtables match otherwise.

// placedMatch returns the expressions iptables-nft writes for a match:
// the xt compat expression, or for tcp and udp ports its native form.
func placedMatch(m rule.Match) ([]expr.Any, error) {
	switch v := m.(type) {
	case *rule.Comment:
		info, err := xt.Comment{Text: v.Text}.Marshal()
		if err != nil {
			return nil, err
		}
		x, err := xt.CommentMatch.Expr(info)
		return []expr.Any{x}, err
	case *rule.UDP:
		return placedPorts("udp", v.SPort, v.DPort)
	case *rule.Conntrack:
		return placedConntrack(v)
	case *rule.ICMP:
		info := xt.ICMP{Type: v.Type, CodeMin: v.CodeMin, CodeMax: v.CodeMax, InvFlags: icmpInv(v.Invert)}
		if v.Any {
			info = xt.ICMP{Type: 0xff, CodeMin: 0, CodeMax: 0xff, InvFlags: icmpInv(v.Invert)}
		}
		ext := xt.ICMPMatch
		if v.V6 {
			ext = xt.ICMP6Match
		}
		x, err := ext.Expr(info.Marshal())
		return []expr.Any{x}, err
	case *rule.Limit:
		return []expr.Any{placedLimit(v)}, nil
	case *rule.MarkMatch:
		// Native, as iptables-nft writes it: the mask only when not
		// all ones.
		out := []expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}}
		if v.Mask != 0xffffffff {
			out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: hostU32(v.Mask), Xor: make([]byte, 4)})
		}
		return append(out, &expr.Cmp{Op: cmpOp(v.Invert), Register: 1, Data: hostU32(v.Value)}), nil
	case *rule.State:
		info := xt.Conntrack{MatchFlags: xt.CtState | xt.CtStateAlias, StateMask: ctStateBits(v.Mask)}
		if v.Invert {
			info.InvertFlags = xt.CtState
		}
		x, err := xt.ConntrackMatch.Expr(info.Marshal())
		return []expr.Any{x}, err
	case *rule.TCP:
		return placedTCP(v)
	}
	return nil, fmt.Errorf("-m %s has no xtables encoding in nftsync yet, so it cannot be placed in iptables' own tables", m.Name())
}

// placedPorts is iptables-nft's native form of tcp and udp port matches
// (add_nft_tcpudp): both ports single, not zero and not negated are one
// 4-byte load of the transport header; otherwise each port that is not
// 0:65535 is a 2-byte load with a cmp (one port) or a range (an inverted
// one too: it never matches, as in the kernel's xt_udp). The match needs
// -p, which the header loaded. Where iptables-nft writes the xt match (no
// port, or 0:65535 only) placedPorts fails, and placedExprs writes the
// xt form (rule.XtForm). So it does where iptables-nft would leave out a
// negated 0:65535 (which never matches in iptables-legacy) and where it
// would compare two negated ports as one pair (matching when either
// differs).
func placedPorts(name string, sp, dp rule.PortMatch) ([]expr.Any, error) {
	full := func(p rule.PortMatch) bool { return !p.Set || p.Lo == 0 && p.Hi == 0xffff }
	switch {
	case full(sp) && full(dp) && !sp.Invert && !dp.Invert:
		return nil, fmt.Errorf("-m %s without ports, or with 0:65535, is written as the xt match, which nftsync cannot encode for it, so it cannot be placed in iptables' own tables", name)
	case full(sp) && sp.Invert || full(dp) && dp.Invert:
		return nil, fmt.Errorf("-m %s with a negated 0:65535 is written as the xt match, which nftsync cannot encode for it, so it cannot be placed in iptables' own tables", name)
	}
	load := func(off, n uint32) expr.Any {
		return &expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: n}
	}
	be := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
	if sp.Set && dp.Set && sp.Lo != 0 && sp.Lo == sp.Hi && dp.Lo != 0 && dp.Lo == dp.Hi && !sp.Invert && !dp.Invert {
		return []expr.Any{load(0, 4), &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: append(be(sp.Lo), be(dp.Lo)...)}}, nil
	}
	var out []expr.Any
	for i, p := range []rule.PortMatch{sp, dp} {
		if full(p) {
			continue
		}
		out = append(out, load(uint32(2*i), 2))
		if p.Lo == p.Hi {
			out = append(out, &expr.Cmp{Op: cmpOp(p.Invert), Register: 1, Data: be(p.Lo)})
			continue
		}
		out = append(out, &expr.Range{Op: cmpOp(p.Invert), Register: 1, FromData: be(p.Lo), ToData: be(p.Hi)})
	}
	return out, nil
}

// placedConntrack is libxt_conntrack's revision 3 info for --ctstate and
// --ctstatus; the other options are refused.
func placedConntrack(c *rule.Conntrack) ([]expr.Any, error) {
	if c.Proto.Set || c.OrigSrc.Set || c.OrigDst.Set || c.ReplSrc.Set || c.ReplDst.Set || c.Expire.Set || c.Dir != "" ||
		c.Ports[0].Set || c.Ports[1].Set || c.Ports[2].Set || c.Ports[3].Set {
		return nil, fmt.Errorf("-m conntrack with options other than --ctstate and --ctstatus has no encoding in nftsync yet, so it cannot be placed in iptables' own tables")
	}
	var info xt.Conntrack
	if c.StateSet {
		info.MatchFlags |= xt.CtState
		info.StateMask = ctStateBits(c.State)
		if c.StateInvert {
			info.InvertFlags |= xt.CtState
		}
	}
	if c.StatusSet {
		info.MatchFlags |= xt.CtStatus
		info.StatusMask = uint16(c.Status)
		if c.StatusInvert {
			info.InvertFlags |= xt.CtStatus
		}
	}
	x, err := xt.ConntrackMatch.Expr(info.Marshal())
	return []expr.Any{x}, err
}

// ctStateBits maps package rule's state bits (nft's ct state, plus SNAT
// and DNAT) to xt_conntrack's.
func ctStateBits(m uint32) uint16 {
	var out uint16
	for _, b := range []struct {
		from uint32
		to   uint16
	}{
		{rule.CtStateInvalid, xt.CtStateInvalid}, {rule.CtStateEstablished, xt.CtStateEstablished},
		{rule.CtStateRelated, xt.CtStateRelated}, {rule.CtStateNew, xt.CtStateNew},
		{rule.CtStateUntracked, xt.CtStateUntracked}, {rule.CtStateSNAT, xt.CtStateSNAT}, {rule.CtStateDNAT, xt.CtStateDNAT},
	} {
		if m&b.from != 0 {
			out |= b.to
		}
	}
	return out
}

// hostU32 is a 32-bit value in host byte order, as meta mark loads it.
func hostU32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// placedLimit is the native limit iptables-nft writes for -m limit
// (add_nft_limit): the largest unit, from a day down to a second, in which
// the average period still gives a whole rate.
func placedLimit(l *rule.Limit) expr.Any {
	const scale = 10000 // XT_LIMIT_SCALE
	mult := []uint64{scale * 24 * 60 * 60, scale * 60 * 60, scale * 60, scale}
	avg := uint64(l.Period)
	i := 1
	for ; i < len(mult); i++ {
		if avg > mult[i] || mult[i]/avg < mult[i]%avg {
			break
		}
	}
	return &expr.Limit{Type: expr.LimitTypePkts, Rate: mult[i-1] / avg, Unit: expr.LimitTime(mult[i-1] / scale), Burst: l.Burst}
}

// placedTCP is iptables-nft's native tcp match (add_nft_tcp): the flags
// byte masked and compared, then the ports. --tcp-option it writes as the
// xt match, which nftsync does not encode yet.
func placedTCP(v *rule.TCP) ([]expr.Any, error) {
	if v.Option != 0 {
		return nil, fmt.Errorf("-m tcp --tcp-option has no encoding in nftsync yet, so it cannot be placed in iptables' own tables")
	}
	if !v.FlagsSet {
		return placedPorts("tcp", v.SPort, v.DPort)
	}
	out := []expr.Any{
		&expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{v.FlagMask}, Xor: []byte{0}},
		&expr.Cmp{Op: cmpOp(v.FlagsInvert), Register: 1, Data: []byte{v.FlagOn}},
	}
	if !v.SPort.Set && !v.DPort.Set {
		return out, nil
	}
	ports, err := placedPorts("tcp", v.SPort, v.DPort)
	return append(out, ports...), err
}

// icmpInv is the icmp info's invert flag.
func icmpInv(invert bool) uint8 {
	if invert {
		return xt.ICMPInvert
	}
	return 0
}
