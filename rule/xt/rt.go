package xt

// RTMatch is ip6t_rt, revision 0 (struct ip6t_rt), IPv6 only.
var RTMatch = register(&Ext{Kind: Match, Name: "rt", Rev: 0, Families: IPv6, Size: 280})

// The flags and invflags of struct ip6t_rt.
const (
	RTType    = 0x01 // IP6T_RT_TYP
	RTSegs    = 0x02 // IP6T_RT_SGS
	RTLen     = 0x04 // IP6T_RT_LEN
	RTInvType = 0x01 // IP6T_RT_INV_TYP
	RTInvSegs = 0x02 // IP6T_RT_INV_SGS
	RTInvLen  = 0x04 // IP6T_RT_INV_LEN
)

// RT is struct ip6t_rt without its type 0 address list (--rt-0-addrs).
type RT struct {
	Type            uint32
	SegsLeft        [2]uint32
	HdrLen          uint32
	Flags, InvFlags uint8
}

// Marshal encodes the info.
func (r RT) Marshal() []byte {
	b := newEnc(RTMatch.Size)
	b.u32(0, r.Type)
	b.u32(4, r.SegsLeft[0])
	b.u32(8, r.SegsLeft[1])
	b.u32(12, r.HdrLen)
	b.u8(16, r.Flags)
	b.u8(17, r.InvFlags)
	return b
}

// DecodeRT decodes the info.
func DecodeRT(info []byte) (RT, error) {
	if err := checkLen(RTMatch, info); err != nil {
		return RT{}, err
	}
	return RT{Type: host.Uint32(info), SegsLeft: [2]uint32{host.Uint32(info[4:]), host.Uint32(info[8:])},
		HdrLen: host.Uint32(info[12:]), Flags: info[16], InvFlags: info[17]}, nil
}
