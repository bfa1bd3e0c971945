package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct xt_DSCP_info, for rules placed in
// iptables-nft's own mangle table.
func (d *DSCP) xtInfo() (*xt.Ext, []byte) { return xt.DSCPTarget, xt.DSCPSet(d.Value) }
