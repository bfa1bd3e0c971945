package xt

// ChecksumTarget is xt_CHECKSUM, revision 0 (struct xt_CHECKSUM_info),
// which iptables 1.8.9 uses in both families. The kernel registers it for
// the mangle table only (see Ext.Installable).
var ChecksumTarget = register(&Ext{Kind: Target, Name: "CHECKSUM", Rev: 0, Families: BothFamilies, Table: "mangle", Size: 8})

// ChecksumFill is XT_CHECKSUM_OP_FILL, the one operation.
const ChecksumFill = 0x01

// Checksum is struct xt_CHECKSUM_info.
type Checksum struct {
	Op uint8
}

// Marshal encodes the info.
func (c Checksum) Marshal() []byte {
	b := newEnc(ChecksumTarget.Size)
	b.u8(0, c.Op)
	return b
}
