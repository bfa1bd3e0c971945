package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct xt_realm_info; the native form is
// exact (match_realm.go), so this one is only for rules placed in
// iptables' own tables.
func (m *Realm) xtInfo() (*xt.Ext, []byte) {
	return xt.RealmMatch, xt.Realm{ID: m.ID, Mask: m.Mask, Invert: m.Invert}.Marshal()
}
