package xt

// AddrTypeMatch is xt_addrtype, revision 1 (struct xt_addrtype_info_v1).
var AddrTypeMatch = register(&Ext{Kind: Match, Name: "addrtype", Rev: 1, Families: BothFamilies, Size: 8})

// The flags of struct xt_addrtype_info_v1.
const (
	AddrTypeInvertSource  = 0x1 // XT_ADDRTYPE_INVERT_SOURCE
	AddrTypeInvertDest    = 0x2 // XT_ADDRTYPE_INVERT_DEST
	AddrTypeLimitIfaceIn  = 0x4 // XT_ADDRTYPE_LIMIT_IFACE_IN
	AddrTypeLimitIfaceOut = 0x8 // XT_ADDRTYPE_LIMIT_IFACE_OUT
)

// AddrType is struct xt_addrtype_info_v1: Source and Dest have bit N set
// for the route type N (RTN_*).
type AddrType struct {
	Source, Dest uint16
	Flags        uint32
}

// Marshal encodes the info.
func (a AddrType) Marshal() []byte {
	b := newEnc(AddrTypeMatch.Size)
	b.u16(0, a.Source)
	b.u16(2, a.Dest)
	b.u32(4, a.Flags)
	return b
}

// DecodeAddrType decodes the info.
func DecodeAddrType(info []byte) (AddrType, error) {
	if err := checkLen(AddrTypeMatch, info); err != nil {
		return AddrType{}, err
	}
	return AddrType{Source: host.Uint16(info), Dest: host.Uint16(info[2:]), Flags: host.Uint32(info[4:])}, nil
}
