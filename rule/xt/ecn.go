package xt

// ECNTarget is ipt_ECN, revision 0 (struct ipt_ECN_info), IPv4 only, which
// iptables 1.8.9 uses. The kernel registers it for the mangle table only
// (see Ext.Installable), and its checkentry refuses the TCP operations in
// a rule without -p tcp (from NFTA_RULE_COMPAT).
var ECNTarget = register(&Ext{Kind: Target, Name: "ECN", Rev: 0, Families: IPv4, Table: "mangle", Size: 8})

// The bits of ECN.Ops (IPT_ECN_OP_*).
const (
	ECNSetIP, ECNSetECE, ECNSetCWR = 0x01, 0x10, 0x20
)

// ECN is struct ipt_ECN_info: Ops says which of the IP header's ECN field
// (to IPECT) and the TCP ECE and CWR flags are rewritten.
type ECN struct {
	Ops, IPECT uint8
	ECE, CWR   bool
}

// Marshal encodes the info: ece and cwr are the bitfields ece:1, cwr:1
// of one byte, the first declared in the low bit as the kernel's ABI lays
// them out on the little-endian hosts nftsync runs on.
func (e ECN) Marshal() []byte {
	b := newEnc(ECNTarget.Size)
	b.u8(0, e.Ops)
	b.u8(1, e.IPECT)
	var bits uint8
	if e.ECE {
		bits |= 1
	}
	if e.CWR {
		bits |= 2
	}
	b.u8(2, bits)
	return b
}
