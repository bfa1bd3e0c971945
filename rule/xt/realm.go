package xt

// RealmMatch is xt_realm, revision 0 (struct xt_realm_info). The kernel
// reads the route's realm, so it accepts the match only after routing:
// INPUT, FORWARD, OUTPUT and POSTROUTING. iptables has it for IPv4 only.
var RealmMatch = register(&Ext{Kind: Match, Name: "realm", Rev: 0, Families: BothFamilies,
	Hooks: LocalIn | Forward | LocalOut | PostRouting, Size: 16})

// Realm is struct xt_realm_info: the route's classid under Mask must
// equal ID.
type Realm struct {
	ID, Mask uint32
	Invert   bool
}

// Marshal encodes the info.
func (r Realm) Marshal() []byte {
	b := newEnc(RealmMatch.Size)
	b.u32(0, r.ID)
	b.u32(4, r.Mask)
	if r.Invert {
		b.u8(8, 1)
	}
	return b
}
