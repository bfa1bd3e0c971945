package xt

// PktTypeMatch is xt_pkttype, revision 0 (struct xt_pkttype_info).
var PktTypeMatch = register(&Ext{Kind: Match, Name: "pkttype", Rev: 0, Families: BothFamilies, Size: 8})

// PktType is struct xt_pkttype_info: the link-layer packet type
// (PACKET_*), as two C ints.
type PktType struct {
	Type   uint32
	Invert bool
}

// Marshal encodes the info.
func (p PktType) Marshal() []byte {
	b := newEnc(PktTypeMatch.Size)
	b.u32(0, p.Type)
	if p.Invert {
		b.u32(4, 1)
	}
	return b
}
