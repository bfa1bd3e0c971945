package xt

// ConnmarkMatch is the connmark match, revision 1 (struct
// xt_connmark_mtinfo1), for both families.
var ConnmarkMatch = register(&Ext{Kind: Match, Name: "connmark", Rev: 1, Families: BothFamilies, Size: 16})

// ConnmarkInfo is struct xt_connmark_mtinfo1: (ct mark & Mask) == Mark.
type ConnmarkInfo struct {
	Mark, Mask uint32
	Invert     bool
}

// Marshal encodes the info.
func (c ConnmarkInfo) Marshal() []byte { return markInfo(ConnmarkMatch, c.Mark, c.Mask, c.Invert) }

// markInfo encodes the layout xt_mark_mtinfo1 and xt_connmark_mtinfo1
// share: mark, mask, invert.
func markInfo(e *Ext, mark, mask uint32, invert bool) []byte {
	b := newEnc(e.Size)
	b.u32(0, mark)
	b.u32(4, mask)
	if invert {
		b.u8(8, 1)
	}
	return b
}
