package xt

// TCPOptStripTarget is xt_TCPOPTSTRIP, revision 0 (struct
// xt_tcpoptstrip_target_info), which iptables 1.8.9 uses in both
// families. The kernel registers it for the mangle table and -p tcp only
// (see Ext.Installable).
var TCPOptStripTarget = register(&Ext{Kind: Target, Name: "TCPOPTSTRIP", Rev: 0, Families: BothFamilies, Table: "mangle", Size: 32})

// TCPOptStrip is struct xt_tcpoptstrip_target_info: bit N of the 256-bit
// map (word N/32, bit N%32) strips TCP option kind N.
type TCPOptStrip struct {
	Strip [8]uint32
}

// Marshal encodes the info.
func (t TCPOptStrip) Marshal() []byte {
	b := newEnc(TCPOptStripTarget.Size)
	for i, w := range t.Strip {
		b.u32(4*i, w)
	}
	return b
}
