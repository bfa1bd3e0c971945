package rule

import "github.com/nftsync/nftsync/rule/xt"

// The connmark match has an exact native form (ct mark); its xtables form
// is what iptables-nft writes, for placement in iptables' own tables.

// xtInfo encodes the match as struct xt_connmark_mtinfo1.
func (m *ConnmarkMatch) xtInfo() (*xt.Ext, []byte) {
	return xt.ConnmarkMatch, xt.ConnmarkInfo{Mark: m.Value, Mask: m.Mask, Invert: m.Invert}.Marshal()
}
