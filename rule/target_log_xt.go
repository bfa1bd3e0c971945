package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs the LOG target itself when its prefix holds a quote or
// a backslash: nft's log statement would log it the same, but nft prints
// it inside double quotes without escaping, so the printed rule (text,
// as iptables-translate prints it) cannot be read back.
func (l *Log) xlateXt(x *xlator, text string) error {
	ext, info := l.xtInfo()
	return x.addXt(text, "which nft cannot read back (a quote or backslash in the prefix)", ext, info)
}

// xtInfo encodes the target as struct xt_log_info.
func (l *Log) xtInfo() (*xt.Ext, []byte) {
	return xt.LogTarget, xt.Log{Level: l.Level, Flags: l.Flags, Prefix: l.Prefix}.Marshal()
}
