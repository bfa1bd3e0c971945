package xt

// TosMatch is the tos match of xt_dscp, revision 1 (struct
// xt_tos_match_info), for both families.
var TosMatch = register(&Ext{Kind: Match, Name: "tos", Rev: 1, Families: BothFamilies, Size: 8})

// Tos is struct xt_tos_match_info.
type Tos struct {
	Mask, Value uint8
	Invert      bool
}

// Marshal encodes the info.
func (t Tos) Marshal() []byte {
	b := newEnc(TosMatch.Size)
	b.u8(0, t.Mask)
	b.u8(1, t.Value)
	if t.Invert {
		b.u8(2, 1)
	}
	return b
}

// DecodeTos decodes the info.
func DecodeTos(info []byte) (Tos, error) {
	if err := checkLen(TosMatch, info); err != nil {
		return Tos{}, err
	}
	return Tos{Mask: info[0], Value: info[1], Invert: info[2] != 0}, nil
}
