package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct xt_mac_info; the native form is exact
// (match_mac.go), so this one is only for rules placed in iptables' own
// tables.
func (m *MAC) xtInfo() (*xt.Ext, []byte) {
	i := xt.MAC{Invert: m.Invert}
	copy(i.Source[:], m.Source)
	return xt.MACMatch, i.Marshal()
}
