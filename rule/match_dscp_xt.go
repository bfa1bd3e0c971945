package rule

import "github.com/nftsync/nftsync/rule/xt"

// The dscp match has an exact native form (ip dscp, ip6 dscp); its
// xtables form is what iptables-nft writes, for placement in iptables'
// own tables.

// xtInfo encodes the match as struct xt_dscp_info.
func (m *DSCPMatch) xtInfo() (*xt.Ext, []byte) {
	return xt.DSCPMatch, xt.DSCP{DSCP: m.Value, Invert: m.Invert}.Marshal()
}
