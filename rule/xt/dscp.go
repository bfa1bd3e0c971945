package xt

// DSCPMatch is the dscp match of xt_dscp, revision 0 (struct
// xt_dscp_info), for both families.
var DSCPMatch = register(&Ext{Kind: Match, Name: "dscp", Rev: 0, Families: BothFamilies, Size: 8})

// DSCP is struct xt_dscp_info.
type DSCP struct {
	DSCP   uint8 // 0-63
	Invert bool
}

// Marshal encodes the info.
func (d DSCP) Marshal() []byte {
	b := newEnc(DSCPMatch.Size)
	b.u8(0, d.DSCP)
	if d.Invert {
		b.u8(1, 1)
	}
	return b
}
