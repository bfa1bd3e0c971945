package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct xt_classify_target_info, for rules
// placed in iptables-nft's own tables.
func (c *Classify) xtInfo() (*xt.Ext, []byte) {
	return xt.ClassifyTarget, xt.Classify(uint32(c.Major)<<16 | uint32(c.Minor))
}
