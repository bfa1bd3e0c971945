package xt

import "net/netip"

// SNPTTarget and DNPTTarget are ip6t_NPT's two targets, revision 0 (struct
// ip6t_npt_tginfo), IPv6 only, which iptables 1.8.9 uses. The kernel loads
// them only in a table named mangle (see Ext.Installable): SNPT from INPUT
// and POSTROUTING, DNPT from PREROUTING and OUTPUT.
var (
	SNPTTarget = register(&Ext{Kind: Target, Name: "SNPT", Rev: 0, Families: IPv6,
		Hooks: LocalIn | PostRouting, Table: "mangle", Size: 40})
	DNPTTarget = register(&Ext{Kind: Target, Name: "DNPT", Rev: 0, Families: IPv6,
		Hooks: PreRouting | LocalOut, Table: "mangle", Size: 40})
)

// NPT is struct ip6t_npt_tginfo: the prefix Src/SrcLen is translated to
// Dst/DstLen. The kernel-private checksum adjustment (at offset 34) stays
// zero, as the kernel dumps it.
type NPT struct {
	Src, Dst       netip.Addr
	SrcLen, DstLen uint8
}

// Marshal encodes the info.
func (n NPT) Marshal() []byte {
	b := newEnc(SNPTTarget.Size)
	src, dst := n.Src.As16(), n.Dst.As16()
	b.bytes(0, src[:])
	b.bytes(16, dst[:])
	b.u8(32, n.SrcLen)
	b.u8(33, n.DstLen)
	return b
}
