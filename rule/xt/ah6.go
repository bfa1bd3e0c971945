package xt

// AH6Match is the ah match, revision 0: ip6t_ah in IPv6 rules (struct
// ip6t_ah) and ipt_ah in IPv4 rules (struct ipt_ah: AH4), one name and
// one size for two layouts.
var AH6Match = register(&Ext{Kind: Match, Name: "ah", Rev: 0, Families: BothFamilies, Size: 16})

// The invflags of struct ip6t_ah.
const (
	AHInvSPI = 0x01 // IP6T_AH_INV_SPI
	AHInvLen = 0x02 // IP6T_AH_INV_LEN
)

// AH6 is struct ip6t_ah.
type AH6 struct {
	SPIs             [2]uint32
	HdrLen           uint32
	HdrRes, InvFlags uint8
}

// Marshal encodes the info.
func (a AH6) Marshal() []byte {
	b := newEnc(AH6Match.Size)
	b.u32(0, a.SPIs[0])
	b.u32(4, a.SPIs[1])
	b.u32(8, a.HdrLen)
	b.u8(12, a.HdrRes)
	b.u8(13, a.InvFlags)
	return b
}

// DecodeAH6 decodes the info.
func DecodeAH6(info []byte) (AH6, error) {
	if err := checkLen(AH6Match, info); err != nil {
		return AH6{}, err
	}
	return AH6{SPIs: [2]uint32{host.Uint32(info), host.Uint32(info[4:])}, HdrLen: host.Uint32(info[8:]), HdrRes: info[12], InvFlags: info[13]}, nil
}
