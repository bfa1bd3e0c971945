package xt

// DCCPMatch is xt_dccp, revision 0 (struct xt_dccp_info). It is
// registered for protocol dccp: the engine sends the rule's -p as
// NFTA_RULE_COMPAT.
var DCCPMatch = register(&Ext{Kind: Match, Name: "dccp", Rev: 0, Families: BothFamilies, Size: 16})

// The bits of DCCP.Flags and DCCP.InvFlags (XT_DCCP_*).
const (
	DCCPSrcPorts  = 0x01
	DCCPDestPorts = 0x02
	DCCPType      = 0x04
	DCCPOption    = 0x08
)

// DCCP is struct xt_dccp_info: port ranges (0:65535 when not tested), a
// mask of packet types (bit N for type N) and an option that must be
// present.
type DCCP struct {
	DPorts, SPorts  [2]uint16
	Flags, InvFlags uint16
	TypeMask        uint16
	Option          uint8
}

// Marshal encodes the info.
func (d DCCP) Marshal() []byte {
	b := newEnc(DCCPMatch.Size)
	b.u16(0, d.DPorts[0])
	b.u16(2, d.DPorts[1])
	b.u16(4, d.SPorts[0])
	b.u16(6, d.SPorts[1])
	b.u16(8, d.Flags)
	b.u16(10, d.InvFlags)
	b.u16(12, d.TypeMask)
	b.u8(14, d.Option)
	return b
}
