package xt

// MACMatch is xt_mac, revision 0 (struct xt_mac_info). The kernel accepts
// it only before the packet leaves: PREROUTING, INPUT and FORWARD.
var MACMatch = register(&Ext{Kind: Match, Name: "mac", Rev: 0, Families: BothFamilies,
	Hooks: PreRouting | LocalIn | Forward, Size: 16})

// MAC is struct xt_mac_info: the Ethernet source address, then a C int
// at offset 8.
type MAC struct {
	Source [6]byte
	Invert bool
}

// Marshal encodes the info.
func (m MAC) Marshal() []byte {
	b := newEnc(MACMatch.Size)
	b.bytes(0, m.Source[:])
	if m.Invert {
		b.u32(8, 1)
	}
	return b
}
