package rule

import "github.com/nftsync/nftsync/rule/xt"

// The limit match has an exact native form (limit rate), which is also
// what iptables-nft 1.8.9 writes; its xtables form is what iptables-legacy
// writes, and what iptables-nft reads back as the match.

// xtInfo encodes the match as struct xt_rateinfo.
func (l *Limit) xtInfo() (*xt.Ext, []byte) {
	return xt.LimitMatch, xt.Limit{Avg: l.Period, Burst: l.Burst}.Marshal()
}
