package xt

// FragMatch is ip6t_frag, revision 0 (struct ip6t_frag), IPv6 only.
var FragMatch = register(&Ext{Kind: Match, Name: "frag", Rev: 0, Families: IPv6, Size: 16})

// The flags and invflags of struct ip6t_frag.
const (
	FragIDs    = 0x01 // IP6T_FRAG_IDS
	FragLen    = 0x02 // IP6T_FRAG_LEN
	FragRes    = 0x04 // IP6T_FRAG_RES
	FragFirst  = 0x08 // IP6T_FRAG_FST
	FragMore   = 0x10 // IP6T_FRAG_MF
	FragLast   = 0x20 // IP6T_FRAG_NMF
	FragInvIDs = 0x01 // IP6T_FRAG_INV_IDS
	FragInvLen = 0x02 // IP6T_FRAG_INV_LEN
)

// Frag is struct ip6t_frag. HdrLen is --fraglen, which the kernel keeps
// (and dumps back) but does not test.
type Frag struct {
	IDs             [2]uint32
	HdrLen          uint32
	Flags, InvFlags uint8
}

// Marshal encodes the info.
func (f Frag) Marshal() []byte {
	b := newEnc(FragMatch.Size)
	b.u32(0, f.IDs[0])
	b.u32(4, f.IDs[1])
	b.u32(8, f.HdrLen)
	b.u8(12, f.Flags)
	b.u8(13, f.InvFlags)
	return b
}

// DecodeFrag decodes the info.
func DecodeFrag(info []byte) (Frag, error) {
	if err := checkLen(FragMatch, info); err != nil {
		return Frag{}, err
	}
	return Frag{IDs: [2]uint32{host.Uint32(info), host.Uint32(info[4:])}, HdrLen: host.Uint32(info[8:]), Flags: info[12], InvFlags: info[13]}, nil
}
