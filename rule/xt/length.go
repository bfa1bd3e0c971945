package xt

// LengthMatch is xt_length, revision 0 (struct xt_length_info).
var LengthMatch = register(&Ext{Kind: Match, Name: "length", Rev: 0, Families: BothFamilies, Size: 8})

// Length is struct xt_length_info: the layer-3 length (IPv4 total length,
// IPv6 payload length plus its header) within [Min, Max]. The kernel
// does not check Min <= Max: an inverted range never matches.
type Length struct {
	Min, Max uint16
	Invert   bool
}

// Marshal encodes the info.
func (l Length) Marshal() []byte {
	b := newEnc(LengthMatch.Size)
	b.u16(0, l.Min)
	b.u16(2, l.Max)
	if l.Invert {
		b.u8(4, 1)
	}
	return b
}
