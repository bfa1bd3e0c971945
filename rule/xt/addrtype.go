package xt

// AddrTypeMatch is xt_addrtype, revision 1 (struct
// xt_addrtype_info_v1). Its hooks depend on --limit-iface-in/out, which
// package rule checks per rule.
var AddrTypeMatch = register(&Ext{Kind: Match, Name: "addrtype", Rev: 1, Families: BothFamilies, Size: 8})

// The bits of AddrType.Flags (XT_ADDRTYPE_*).
const (
	AddrTypeInvertSource  = 0x1
	AddrTypeInvertDest    = 0x2
	AddrTypeLimitIfaceIn  = 0x4
	AddrTypeLimitIfaceOut = 0x8
)

// AddrType is struct xt_addrtype_info_v1: Source and Dest are masks of
// 1<<RTN_* address types.
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
