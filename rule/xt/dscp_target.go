package xt

// DSCPTarget is xt_DSCP, revision 0 (struct xt_DSCP_info), which iptables
// 1.8.9 uses in both families (--set-dscp-class is written as its value).
// The kernel registers it for the mangle table only: in nftsync's tables
// DSCP is nft's native "dscp set"; this form is for rules placed in
// iptables-nft's own mangle table.
var DSCPTarget = register(&Ext{Kind: Target, Name: "DSCP", Rev: 0, Families: BothFamilies, Table: "mangle", Size: 8})

// DSCPSet returns struct xt_DSCP_info: the 6-bit DSCP value.
func DSCPSet(value uint8) []byte {
	b := newEnc(DSCPTarget.Size)
	b.u8(0, value)
	return b
}
