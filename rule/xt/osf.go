package xt

// OSFMatch is xt_osf, revision 0 (struct xt_osf_info): IPv4 only, bound
// to TCP, in the hooks before routing decides the output.
var OSFMatch = register(&Ext{Kind: Match, Name: "osf", Rev: 0, Families: IPv4, Hooks: PreRouting | LocalIn | Forward, Size: 48})

// The flags of struct xt_osf_info.
const (
	OSFTTL    = 1 << 1 // XT_OSF_TTL
	OSFLog    = 1 << 2 // XT_OSF_LOG
	OSFInvert = 1 << 3 // XT_OSF_INVERT
)

// OSFMaxGenre is MAXGENRELEN, the NUL included.
const OSFMaxGenre = 32

// OSF is struct xt_osf_info (struct nf_osf_info); the length is that of
// Genre.
type OSF struct {
	Genre                string
	Flags, LogLevel, TTL uint32
}

// Marshal encodes the info.
func (o OSF) Marshal() []byte {
	b := newEnc(OSFMatch.Size)
	b.bytes(0, []byte(o.Genre))
	b.u32(32, uint32(len(o.Genre)))
	b.u32(36, o.Flags)
	b.u32(40, o.LogLevel)
	b.u32(44, o.TTL)
	return b
}

// DecodeOSF decodes the info.
func DecodeOSF(info []byte) (OSF, error) {
	if err := checkLen(OSFMatch, info); err != nil {
		return OSF{}, err
	}
	return OSF{Genre: cString(info[:32]), Flags: host.Uint32(info[36:]), LogLevel: host.Uint32(info[40:]), TTL: host.Uint32(info[44:])}, nil
}
