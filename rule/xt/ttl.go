package xt

// TTLTarget is ipt_TTL and HLTarget ip6t_HL, revision 0 (struct
// ipt_TTL_info, struct ip6t_HL_info: the same two bytes), which iptables
// 1.8.9 uses. The kernel registers both for the mangle table only:
// nftsync cannot install them in its own tables (see Ext.Installable).
var (
	TTLTarget = register(&Ext{Kind: Target, Name: "TTL", Rev: 0, Families: IPv4, Table: "mangle", Size: 8})
	HLTarget  = register(&Ext{Kind: Target, Name: "HL", Rev: 0, Families: IPv6, Table: "mangle", Size: 8})
)

// The values of TTL.Mode (IPT_TTL_* and IP6T_HL_*, which are equal).
const (
	TTLSet, TTLInc, TTLDec = 0, 1, 2
)

// TTL is struct ipt_TTL_info (ip6t_HL_info): the IPv4 TTL or IPv6 hop
// limit is set to Value, or raised or lowered by it (saturating at 255 and
// 0).
type TTL struct {
	Mode, Value uint8
}

// Marshal encodes the info.
func (t TTL) Marshal() []byte {
	b := newEnc(TTLTarget.Size)
	b.u8(0, t.Mode)
	b.u8(1, t.Value)
	return b
}
