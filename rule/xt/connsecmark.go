package xt

// ConnSecmarkTarget is xt_CONNSECMARK, revision 0 (struct
// xt_connsecmark_target_info), which iptables 1.8.9 uses in both
// families. Its checkentry accepts only a table named mangle or security
// (see Ext.Installable).
var ConnSecmarkTarget = register(&Ext{Kind: Target, Name: "CONNSECMARK", Rev: 0, Families: BothFamilies,
	Table: "mangle|security", Size: 8})

// The values of ConnSecmark.Mode (CONNSECMARK_SAVE, CONNSECMARK_RESTORE).
const (
	ConnSecmarkSave, ConnSecmarkRestore = 1, 2
)

// ConnSecmark is struct xt_connsecmark_target_info.
type ConnSecmark struct {
	Mode uint8
}

// Marshal encodes the info.
func (c ConnSecmark) Marshal() []byte {
	b := newEnc(ConnSecmarkTarget.Size)
	b.u8(0, c.Mode)
	return b
}
