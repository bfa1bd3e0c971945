package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs the NFLOG target itself when its prefix holds a quote
// or a backslash, as LOG does (target_log_xt.go): nft prints the prefix
// inside double quotes without escaping, so the printed rule could not be
// read back.
func (n *NFLog) xlateXt(x *xlator, text string) error {
	ext, info := n.xtInfo()
	return x.addXt(text, "which nft cannot read back (a quote or backslash in the prefix)", ext, info)
}

// xtInfo encodes the target as struct xt_nflog_info: --nflog-size sets
// the length and XT_NFLOG_F_COPY_LEN, the obsolete --nflog-range only the
// length (which the kernel then ignores), as iptables writes them.
func (n *NFLog) xtInfo() (*xt.Ext, []byte) {
	info := xt.NFLog{Group: n.Group, Threshold: n.Threshold, Prefix: n.Prefix}
	switch {
	case n.SizeSet:
		info.Len, info.Flags = n.Size, xt.NFLogCopyLen
	case n.Range != 0:
		info.Len = n.Range
	}
	return xt.NFLogTarget, info.Marshal()
}
