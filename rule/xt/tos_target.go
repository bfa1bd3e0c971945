package xt

// TOSTarget is xt_TOS, revision 1 (struct xt_tos_target_info), which
// iptables 1.8.9 uses in both families. The kernel registers it for the
// mangle table only: nftsync cannot install it in its own tables (see
// Ext.Installable).
var TOSTarget = register(&Ext{Kind: Target, Name: "TOS", Rev: 1, Families: BothFamilies, Table: "mangle", Size: 8})

// TOS is struct xt_tos_target_info: the TOS byte (traffic class) becomes
// (old & ^Mask) ^ Value.
type TOS struct {
	Value, Mask uint8
}

// Marshal encodes the info.
func (t TOS) Marshal() []byte {
	b := newEnc(TOSTarget.Size)
	b.u8(0, t.Value)
	b.u8(1, t.Mask)
	return b
}
