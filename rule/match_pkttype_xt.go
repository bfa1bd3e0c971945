package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct xt_pkttype_info. nft's meta pkttype
// reads the type as xt_pkttype does (loopback packets as multicast or
// broadcast by address), so this form is only for rules placed in
// iptables' own tables.
func (m *PktType) xtInfo() (*xt.Ext, []byte) {
	return xt.PktTypeMatch, xt.PktType{Type: uint32(m.Type), Invert: m.Invert}.Marshal()
}
