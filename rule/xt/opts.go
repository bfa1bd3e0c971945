package xt

// HbhMatch and DstMatch are ip6t_hbh's two matches, "hbh" (hop-by-hop
// options header) and "dst" (destination options header), revision 0,
// IPv6 only, sharing struct ip6t_opts.
var (
	HbhMatch = register(&Ext{Kind: Match, Name: "hbh", Rev: 0, Families: IPv6, Size: 40})
	DstMatch = register(&Ext{Kind: Match, Name: "dst", Rev: 0, Families: IPv6, Size: 40})
)

// The flags and invflags of struct ip6t_opts.
const (
	OptsLen       = 0x01 // IP6T_OPTS_LEN
	OptsOpts      = 0x02 // IP6T_OPTS_OPTS
	OptsInvLen    = 0x01 // IP6T_OPTS_INV_LEN
	OptsMaxNumber = 16   // IP6T_OPTS_OPTSNR
)

// Opts is struct ip6t_opts: each option is its type << 8 | its length
// (0xff for any length).
type Opts struct {
	HdrLen          uint32
	Flags, InvFlags uint8
	Opts            []uint16
}

// Marshal encodes the info.
func (o Opts) Marshal() []byte {
	b := newEnc(HbhMatch.Size)
	b.u32(0, o.HdrLen)
	b.u8(4, o.Flags)
	b.u8(5, o.InvFlags)
	for i, v := range o.Opts {
		b.u16(6+2*i, v)
	}
	b.u8(38, uint8(len(o.Opts)))
	return b
}

// DecodeOpts decodes the info of either match.
func DecodeOpts(info []byte) (Opts, error) {
	if err := checkLen(HbhMatch, info); err != nil {
		return Opts{}, err
	}
	o := Opts{HdrLen: host.Uint32(info), Flags: info[4], InvFlags: info[5]}
	for i := 0; i < int(info[38]) && i < OptsMaxNumber; i++ {
		o.Opts = append(o.Opts, host.Uint16(info[6+2*i:]))
	}
	return o, nil
}
