package xt

// TCPMatch is xt_tcp, revision 0 (struct xt_tcp). It is registered for
// protocol tcp: the engine sends the rule's -p as NFTA_RULE_COMPAT.
var TCPMatch = register(&Ext{Kind: Match, Name: "tcp", Rev: 0, Families: BothFamilies, Size: 16})

// The bits of TCP.Invert (XT_TCP_INV_*).
const (
	TCPInvSrcPort = 0x01
	TCPInvDstPort = 0x02
	TCPInvFlags   = 0x04
	TCPInvOption  = 0x08
)

// TCP is struct xt_tcp: source and destination port ranges (0:65535 when
// not tested), an option that must be present (0: none), and
// (flags & FlagMask) == FlagCmp.
type TCP struct {
	SPorts, DPorts    [2]uint16
	Option            uint8
	FlagMask, FlagCmp uint8
	Invert            uint8
}

// Marshal encodes the info.
func (t TCP) Marshal() []byte {
	b := newEnc(TCPMatch.Size)
	b.u16(0, t.SPorts[0])
	b.u16(2, t.SPorts[1])
	b.u16(4, t.DPorts[0])
	b.u16(6, t.DPorts[1])
	b.u8(8, t.Option)
	b.u8(9, t.FlagMask)
	b.u8(10, t.FlagCmp)
	b.u8(11, t.Invert)
	return b
}
