package xt

// IcmpMatch is the icmp match of IPv4, revision 0 (struct ipt_icmp), and
// Icmp6Match IPv6's icmp6 (struct ip6t_icmp, the same layout), which
// iptables 1.8.9 uses.
var (
	IcmpMatch  = register(&Ext{Kind: Match, Name: "icmp", Rev: 0, Families: IPv4, Size: 8})
	Icmp6Match = register(&Ext{Kind: Match, Name: "icmp6", Rev: 0, Families: IPv6, Size: 8})
)

// Icmp is struct ipt_icmp / ip6t_icmp: the type, the code range and
// IPT_ICMP_INV. Type 0xff with codes 0-0xff is "any".
type Icmp struct {
	Type, CodeMin, CodeMax uint8
	Invert                 bool
}

// Marshal encodes the info.
func (i Icmp) Marshal() []byte {
	b := newEnc(IcmpMatch.Size)
	b.u8(0, i.Type)
	b.u8(1, i.CodeMin)
	b.u8(2, i.CodeMax)
	if i.Invert {
		b.u8(3, 1)
	}
	return b
}
