package rule

// The length match installs xt_length where nft cannot compare as
// iptables does (xlateOrXt, xt_fallback.go): an inverted range.

import "github.com/nftsync/nftsync/rule/xt"

func (l *Length) xlate(x *xlator) error { return xlateOrXt(x, l.xlateNative, l) }

// xtInfo encodes the match as struct xt_length_info.
func (l *Length) xtInfo() (*xt.Ext, []byte) {
	return xt.LengthMatch, xt.Length{Min: l.Min, Max: l.Max, Invert: l.Invert}.Marshal()
}
