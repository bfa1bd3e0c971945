package xt

// FragMatch is ip6t_frag, revision 0 (struct ip6t_frag), IPv6 only.
var FragMatch = register(&Ext{Kind: Match, Name: "frag", Rev: 0, Families: IPv6, Size: 16})

// The flags and invflags of struct ip6t_frag.
const (
	FragIDs    = 0x01 // IP6T_FRAG_IDS
	FragRes    = 0x04 // IP6T_FRAG_RES
	FragFirst  = 0x08 // IP6T_FRAG_FST
	FragMore   = 0x10 // IP6T_FRAG_MF
	FragLast   = 0x20 // IP6T_FRAG_NMF
	FragInvIDs = 0x01 // IP6T_FRAG_INV_IDS
)

// Frag is struct ip6t_frag (--fraglen, which the kernel ignores, is not
// represented).
type Frag struct {
	IDs             [2]uint32
	Flags, InvFlags uint8
}

// Marshal encodes the info.
func (f Frag) Marshal() []byte {
	b := newEnc(FragMatch.Size)
	b.u32(0, f.IDs[0])
	b.u32(4, f.IDs[1])
	b.u8(12, f.Flags)
	b.u8(13, f.InvFlags)
	return b
}

// DecodeFrag decodes the info.
func DecodeFrag(info []byte) (Frag, error) {
	if err := checkLen(FragMatch, info); err != nil {
		return Frag{}, err
	}
	return Frag{IDs: [2]uint32{host.Uint32(info), host.Uint32(info[4:])}, Flags: info[12], InvFlags: info[13]}, nil
}
