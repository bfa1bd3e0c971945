package xt

// UDPMatch is xt_udp, revision 0 (struct xt_udp). It is registered for
// protocol udp: the engine sends the rule's -p as NFTA_RULE_COMPAT.
var UDPMatch = register(&Ext{Kind: Match, Name: "udp", Rev: 0, Families: BothFamilies, Size: 16})

// The bits of UDP.Invert (XT_UDP_INV_*).
const (
	UDPInvSrcPort = 0x01
	UDPInvDstPort = 0x02
)

// UDP is struct xt_udp: source and destination port ranges (0:65535 when
// not tested).
type UDP struct {
	SPorts, DPorts [2]uint16
	Invert         uint8
}

// Marshal encodes the info.
func (u UDP) Marshal() []byte {
	b := newEnc(UDPMatch.Size)
	b.u16(0, u.SPorts[0])
	b.u16(2, u.SPorts[1])
	b.u16(4, u.DPorts[0])
	b.u16(6, u.DPorts[1])
	b.u8(8, u.Invert)
	return b
}
