package xt

// TTLMatch is xt_ttl (IPv4) and HLMatch xt_hl (IPv6), revision 0 (struct
// ipt_ttl_info, struct ip6t_hl_info: the same two bytes). The targets of
// the same names are in ttl.go.
var (
	TTLMatch = register(&Ext{Kind: Match, Name: "ttl", Rev: 0, Families: IPv4, Size: 8})
	HLMatch  = register(&Ext{Kind: Match, Name: "hl", Rev: 0, Families: IPv6, Size: 8})
)

// The values of TTLCmp.Mode (IPT_TTL_* and IP6T_HL_*, which are equal):
// "! --ttl-eq" is TTLNe.
const (
	TTLEq, TTLNe, TTLLt, TTLGt = 0, 1, 2, 3
)

// TTLCmp is struct ipt_ttl_info (ip6t_hl_info): the IPv4 TTL or IPv6 hop
// limit compared with Value.
type TTLCmp struct {
	Mode, Value uint8
}

// Marshal encodes the info.
func (t TTLCmp) Marshal() []byte {
	b := newEnc(TTLMatch.Size)
	b.u8(0, t.Mode)
	b.u8(1, t.Value)
	return b
}
