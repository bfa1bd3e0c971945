package xt

// ConnlabelMatch is xt_connlabel, revision 0 (struct xt_connlabel_mtinfo).
var ConnlabelMatch = register(&Ext{Kind: Match, Name: "connlabel", Rev: 0, Families: BothFamilies, Size: 8})

// The options of struct xt_connlabel_mtinfo.
const (
	ConnlabelInvert = 1 << 0 // XT_CONNLABEL_OP_INVERT
	ConnlabelSet    = 1 << 1 // XT_CONNLABEL_OP_SET
)

// ConnlabelMaxBit is XT_CONNLABEL_MAXBIT.
const ConnlabelMaxBit = 127

// Connlabel is struct xt_connlabel_mtinfo.
type Connlabel struct {
	Bit, Options uint16
}

// Marshal encodes the info.
func (c Connlabel) Marshal() []byte {
	b := newEnc(ConnlabelMatch.Size)
	b.u16(0, c.Bit)
	b.u16(2, c.Options)
	return b
}

// DecodeConnlabel decodes the info.
func DecodeConnlabel(info []byte) (Connlabel, error) {
	if err := checkLen(ConnlabelMatch, info); err != nil {
		return Connlabel{}, err
	}
	return Connlabel{Bit: host.Uint16(info), Options: host.Uint16(info[2:])}, nil
}
