package xt

// MarkMatch is the mark match, revision 1 (struct xt_mark_mtinfo1), for
// both families. iptables-nft 1.8.9 writes -m mark natively (meta mark);
// iptables-legacy and older iptables-nft write this.
var MarkMatch = register(&Ext{Kind: Match, Name: "mark", Rev: 1, Families: BothFamilies, Size: 16})

// Mark is struct xt_mark_mtinfo1: (mark & Mask) == Mark.
type Mark struct {
	Mark, Mask uint32
	Invert     bool
}

// Marshal encodes the info.
func (m Mark) Marshal() []byte { return markInfo(MarkMatch, m.Mark, m.Mask, m.Invert) }
