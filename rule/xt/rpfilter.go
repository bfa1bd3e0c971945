package xt

// RPFilterMatch is xt_rpfilter, revision 0 (struct xt_rpfilter_info). The
// kernel registers it for PREROUTING and its checkentry demands the raw or
// mangle table by name: nftsync cannot install it in its own tables (see
// Ext.Installable).
var RPFilterMatch = register(&Ext{Kind: Match, Name: "rpfilter", Rev: 0, Families: BothFamilies,
	Hooks: PreRouting, Table: "raw|mangle", Size: 8})

// The bits of RPFilter.Flags (XT_RPFILTER_*).
const (
	RPFilterLoose = 1 << iota
	RPFilterValidMark
	RPFilterAcceptLocal
	RPFilterInvert
)

// RPFilter is struct xt_rpfilter_info.
type RPFilter struct {
	Flags uint8
}

// Marshal encodes the info.
func (r RPFilter) Marshal() []byte {
	b := newEnc(RPFilterMatch.Size)
	b.u8(0, r.Flags)
	return b
}
