package xt

import "net/netip"

// PolicyMatch is xt_policy, revision 0 (struct xt_policy_info). Its hooks
// depend on the direction: the kernel's checkentry refuses --dir in from
// OUTPUT and POSTROUTING and --dir out from PREROUTING and INPUT, which
// package rule checks per rule (Hooks here is 0).
var PolicyMatch = register(&Ext{Kind: Match, Name: "policy", Rev: 0, Families: BothFamilies, Size: 312})

// The bits of Policy.Flags (XT_POLICY_MATCH_*).
const (
	PolicyIn = 1 << iota
	PolicyOut
	PolicyNone
	PolicyStrict
)

// Policy is struct xt_policy_info: Len policy elements (iptables writes
// one more than the --next given for --pol ipsec, none for --pol none);
// Elems holds those that require something, the rest are zero (an
// element requiring nothing: the packet was, or will be, processed by
// IPsec at all).
type Policy struct {
	Flags, Len uint16
	Elems      []PolicyElem
}

// The bits of PolicyElem.Match and Invert (struct xt_policy_spec, a
// bit-field whose first member is the lowest bit).
const (
	PolicySaddr = 1 << iota
	PolicyDaddr
	PolicyProto
	PolicyMode
	PolicySPI
	PolicyReqID
)

// PolicyElem is struct xt_policy_elem: the tunnel's source and
// destination (Src, SrcMask, Dst, DstMask), SPI, reqid, protocol and mode
// (1: tunnel) of one transform, with the fields required (Match) and
// negated (Invert). The header declares spi __be32, but iptables 1.8.9
// writes --spi in host byte order, and the kernel compares the field as
// it is: SPI is written as iptables writes it (the rule's meaning). An
// IPv4 host mask is written as iptables writes it, all 16 bytes set.
type PolicyElem struct {
	Src, SrcMask, Dst, DstMask netip.Addr
	SPI, ReqID                 uint32
	Proto, Mode                uint8
	Match, Invert              uint8
}

// PolicyMaxElem is XT_POLICY_MAX_ELEM.
const PolicyMaxElem = 4

// Marshal encodes the info: four struct xt_policy_elem of 76 bytes, then
// flags and len.
func (p Policy) Marshal() []byte {
	b := newEnc(PolicyMatch.Size)
	for i, e := range p.Elems[:min(len(p.Elems), PolicyMaxElem)] {
		off := 76 * i
		for k, a := range []netip.Addr{e.Src, e.SrcMask, e.Dst, e.DstMask} {
			switch {
			case k%2 == 1 && a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
				b.bytes(off+16*k, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			case a.IsValid():
				b.bytes(off+16*k, a.AsSlice())
			}
		}
		b.u32(off+64, e.SPI)
		b.u32(off+68, e.ReqID)
		b.u8(off+72, e.Proto)
		b.u8(off+73, e.Mode)
		b.u8(off+74, e.Match)
		b.u8(off+75, e.Invert)
	}
	b.u16(304, p.Flags)
	b.u16(306, p.Len)
	return b
}

// DecodePolicy decodes the info (the elements' contents are not read).
func DecodePolicy(info []byte) (Policy, error) {
	if err := checkLen(PolicyMatch, info); err != nil {
		return Policy{}, err
	}
	return Policy{Flags: host.Uint16(info[304:]), Len: host.Uint16(info[306:])}, nil
}
