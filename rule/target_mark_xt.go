package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct xt_mark_tginfo2, as iptables 1.8.9
// writes every spelling of MARK, for rules placed in iptables-nft's own
// tables.
func (m *Mark) xtInfo() (*xt.Ext, []byte) { return xt.MarkTarget, xt.MarkXor(m.Value, m.Mask) }
