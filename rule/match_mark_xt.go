package rule

import "github.com/nftsync/nftsync/rule/xt"

// The mark match has an exact native form (meta mark), which is also what
// iptables-nft 1.8.9 writes; its xtables form is what iptables-legacy
// writes, and what iptables-nft reads back as the match.

// xtInfo encodes the match as struct xt_mark_mtinfo1.
func (m *MarkMatch) xtInfo() (*xt.Ext, []byte) {
	return xt.MarkMatch, xt.Mark{Mark: m.Value, Mask: m.Mask, Invert: m.Invert}.Marshal()
}
