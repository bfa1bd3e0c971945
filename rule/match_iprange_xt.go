package rule

// The iprange match installs xt_iprange where nft cannot compare as
// iptables does (xlateOrXt, xt_fallback.go): an inverted range.

import "github.com/nftsync/nftsync/rule/xt"

func (m *IPRangeMatch) xlate(x *xlator) error { return xlateOrXt(x, m.xlateNative, m) }

// xtInfo encodes the match as struct xt_iprange_mtinfo (revision 1).
func (m *IPRangeMatch) xtInfo() (*xt.Ext, []byte) {
	var r xt.IPRange
	if m.Src.Set {
		r.SrcMin, r.SrcMax, r.Flags = m.Src.Lo, m.Src.Hi, r.Flags|xt.IPRangeSrc
		if m.Src.Invert {
			r.Flags |= xt.IPRangeSrcInv
		}
	}
	if m.Dst.Set {
		r.DstMin, r.DstMax, r.Flags = m.Dst.Lo, m.Dst.Hi, r.Flags|xt.IPRangeDst
		if m.Dst.Invert {
			r.Flags |= xt.IPRangeDstInv
		}
	}
	return xt.IPRangeMatch, r.Marshal()
}
