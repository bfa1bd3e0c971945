package xt

// MarkTarget is the MARK target, revision 2 (struct xt_mark_tginfo2), which
// iptables 1.8.9 uses in iptables-nft's own tables: the packet's mark
// becomes (mark & ^Mask) ^ Mark, every spelling (--set-mark, --and-mark,
// ...) being one such pair, as iptables-save's --set-xmark prints it.
var MarkTarget = register(&Ext{Kind: Target, Name: "MARK", Rev: 2, Families: BothFamilies, Size: 8})

// MarkXor returns struct xt_mark_tginfo2 {mark, mask}.
func MarkXor(mark, mask uint32) []byte {
	b := newEnc(MarkTarget.Size)
	b.u32(0, mark)
	b.u32(4, mask)
	return b
}
