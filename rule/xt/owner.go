package xt

// OwnerMatch is xt_owner, revision 1 (struct xt_owner_match_info), which
// iptables 1.8.9 uses. The kernel accepts it in OUTPUT and POSTROUTING.
var OwnerMatch = register(&Ext{Kind: Match, Name: "owner", Rev: 1, Families: BothFamilies,
	Hooks: LocalOut | PostRouting, Size: 24})

// The bits of Owner.Match and Owner.Invert (XT_OWNER_*).
const (
	OwnerUID = 1 << iota
	OwnerGID
	OwnerSocket
	OwnerSupplGroups
)

// Owner is struct xt_owner_match_info: each option given sets its bit in
// Match, and in Invert when negated. For a packet without a socket with a
// file the kernel matches exactly when Match == Invert (every option
// negated), which nft's skuid/skgid cannot express.
type Owner struct {
	UIDMin, UIDMax uint32
	GIDMin, GIDMax uint32
	Match, Invert  uint8
}

// Marshal encodes the info.
func (o Owner) Marshal() []byte {
	b := newEnc(OwnerMatch.Size)
	b.u32(0, o.UIDMin)
	b.u32(4, o.UIDMax)
	b.u32(8, o.GIDMin)
	b.u32(12, o.GIDMax)
	b.u8(16, o.Match)
	b.u8(17, o.Invert)
	return b
}

// DecodeOwner decodes the info.
func DecodeOwner(info []byte) (Owner, error) {
	if err := checkLen(OwnerMatch, info); err != nil {
		return Owner{}, err
	}
	return Owner{UIDMin: host.Uint32(info), UIDMax: host.Uint32(info[4:]),
		GIDMin: host.Uint32(info[8:]), GIDMax: host.Uint32(info[12:]),
		Match: info[16], Invert: info[17]}, nil
}
