package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo is what iptables 1.8.9 writes for -j NOTRACK, libxt_CT's alias:
// CT revision 2 with the notrack flag and the alias flag, by which
// iptables-save prints it back as -j NOTRACK. For rules placed in
// iptables-nft's own raw table.
func (n *NoTrack) xtInfo() (*xt.Ext, []byte) {
	return xt.CTTarget, xt.CT{Flags: xt.CTNoTrack | xt.CTNoTrackAlias}.Marshal()
}
