package xt

// ICMPMatch is ipt_icmp ("icmp", IPv4) and ICMP6Match ip6t_icmp ("icmp6",
// IPv6), revision 0, each bound to its protocol: struct ipt_icmp and
// struct ip6t_icmp have the same layout.
var (
	ICMPMatch  = register(&Ext{Kind: Match, Name: "icmp", Rev: 0, Families: IPv4, Size: 8})
	ICMP6Match = register(&Ext{Kind: Match, Name: "icmp6", Rev: 0, Families: IPv6, Size: 8})
)

// ICMPInvert is IPT_ICMP_INV (and IP6T_ICMP_INV).
const ICMPInvert = 0x01

// ICMP is struct ipt_icmp / ip6t_icmp: Type 0xff with codes 0-255 is
// iptables' "any".
type ICMP struct {
	Type, CodeMin, CodeMax, InvFlags uint8
}

// Marshal encodes the info.
func (i ICMP) Marshal() []byte {
	b := newEnc(ICMPMatch.Size)
	b.u8(0, i.Type)
	b.u8(1, i.CodeMin)
	b.u8(2, i.CodeMax)
	b.u8(3, i.InvFlags)
	return b
}

// DecodeICMP decodes the info of either match.
func DecodeICMP(info []byte) (ICMP, error) {
	if err := checkLen(ICMPMatch, info); err != nil {
		return ICMP{}, err
	}
	return ICMP{Type: info[0], CodeMin: info[1], CodeMax: info[2], InvFlags: info[3]}, nil
}
