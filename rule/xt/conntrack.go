package xt

import "net/netip"

// ConntrackMatch is xt_conntrack, revision 3 (struct
// xt_conntrack_mtinfo3), which iptables 1.8.9 writes.
var ConntrackMatch = register(&Ext{Kind: Match, Name: "conntrack", Rev: 3, Families: BothFamilies, Size: 168})

// The bits of Conntrack.MatchFlags and InvertFlags (XT_CONNTRACK_*).
const (
	CtState       = 1 << 0
	CtProto       = 1 << 1
	CtOrigSrc     = 1 << 2
	CtOrigDst     = 1 << 3
	CtReplSrc     = 1 << 4
	CtReplDst     = 1 << 5
	CtStatus      = 1 << 6
	CtExpires     = 1 << 7
	CtOrigSrcPort = 1 << 8
	CtOrigDstPort = 1 << 9
	CtReplSrcPort = 1 << 10
	CtReplDstPort = 1 << 11
	// CtDirection in MatchFlags tests the direction; in InvertFlags it
	// means REPLY.
	CtDirection = 1 << 12
)

// The state bits of Conntrack.StateMask that differ from nft's ct state
// bits (XT_CONNTRACK_STATE_SNAT, _DNAT, _UNTRACKED); the others
// (INVALID 1, ESTABLISHED 2, RELATED 4, NEW 8) are the same.
const (
	CtStateSNAT      = 1 << 6
	CtStateDNAT      = 1 << 7
	CtStateUntracked = 1 << 8
)

// CtAddr is an address and mask of xt_conntrack (union nf_inet_addr:
// an IPv4 address in its first four bytes); the zero value is unused.
type CtAddr struct{ Addr, Mask netip.Addr }

// Conntrack is struct xt_conntrack_mtinfo3. Addrs are origsrc, origdst,
// replsrc, repldst; Ports and PortsHigh likewise (host byte order, as
// revision 3 compares them); Expires are seconds.
type Conntrack struct {
	Addrs                  [4]CtAddr
	ExpiresMin, ExpiresMax uint32
	L4Proto                uint16
	Ports, PortsHigh       [4]uint16
	MatchFlags, Invert     uint16
	StateMask, StatusMask  uint16
}

// Marshal encodes the info.
func (c Conntrack) Marshal() []byte {
	b := newEnc(ConntrackMatch.Size)
	for i, a := range c.Addrs {
		if a.Addr.IsValid() {
			b.bytes(32*i, a.Addr.AsSlice())
		}
		if a.Mask.IsValid() {
			b.bytes(32*i+16, a.Mask.AsSlice())
		}
	}
	b.u32(128, c.ExpiresMin)
	b.u32(132, c.ExpiresMax)
	b.u16(136, c.L4Proto)
	for i := range c.Ports {
		b.u16(138+2*i, c.Ports[i])
		b.u16(154+2*i, c.PortsHigh[i])
	}
	b.u16(146, c.MatchFlags)
	b.u16(148, c.Invert)
	b.u16(150, c.StateMask)
	b.u16(152, c.StatusMask)
	return b
}
