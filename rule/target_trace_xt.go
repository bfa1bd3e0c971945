package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo is xt_TRACE, which has no info, for rules placed in
// iptables-nft's own raw table (iptables-nft itself writes TRACE as
// "meta nftrace set 1", which nft_compat's TRACE does too).
func (*Trace) xtInfo() (*xt.Ext, []byte) { return xt.TraceTarget, []byte{} }
