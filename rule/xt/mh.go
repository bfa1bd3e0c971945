package xt

// MHMatch is ip6t_mh, revision 0 (struct ip6t_mh), IPv6 only. The kernel
// registers it for protocol mobility-header (135): the rule needs -p 135
// (NFTA_RULE_COMPAT).
var MHMatch = register(&Ext{Kind: Match, Name: "mh", Rev: 0, Families: IPv6, Size: 8})

// MHInvType is IP6T_MH_INV_TYPE.
const MHInvType = 0x01

// MH is struct ip6t_mh: a range of Mobility Header types.
type MH struct {
	Types    [2]uint8
	InvFlags uint8
}

// Marshal encodes the info.
func (m MH) Marshal() []byte {
	b := newEnc(MHMatch.Size)
	b.u8(0, m.Types[0])
	b.u8(1, m.Types[1])
	b.u8(2, m.InvFlags)
	return b
}
