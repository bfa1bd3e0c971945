package xt

// IPv6HeaderMatch is ip6t_ipv6header, revision 0 (struct
// ip6t_ipv6header_info), IPv6 only.
var IPv6HeaderMatch = register(&Ext{Kind: Match, Name: "ipv6header", Rev: 0, Families: IPv6, Size: 8})

// IPv6Header is struct ip6t_ipv6header_info: MatchFlags are MASK_HOPOPTS
// (0x80) ... MASK_PROTO (0x01); InvFlags and ModeFlag are 0 or 0xff.
type IPv6Header struct {
	MatchFlags, InvFlags, ModeFlag uint8
}

// Marshal encodes the info.
func (h IPv6Header) Marshal() []byte {
	b := newEnc(IPv6HeaderMatch.Size)
	b.u8(0, h.MatchFlags)
	b.u8(1, h.InvFlags)
	b.u8(2, h.ModeFlag)
	return b
}

// DecodeIPv6Header decodes the info.
func DecodeIPv6Header(info []byte) (IPv6Header, error) {
	if err := checkLen(IPv6HeaderMatch, info); err != nil {
		return IPv6Header{}, err
	}
	return IPv6Header{MatchFlags: info[0], InvFlags: info[1], ModeFlag: info[2]}, nil
}
