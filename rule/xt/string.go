package xt

// StringMatch is xt_string, revision 1 (struct xt_string_info, whose
// last byte before the kernel's private config pointer is flags).
var StringMatch = register(&Ext{Kind: Match, Name: "string", Rev: 1, Families: BothFamilies, Size: 160})

// The flags of struct xt_string_info revision 1.
const (
	StringInvert     = 0x01 // XT_STRING_FLAG_INVERT
	StringIgnoreCase = 0x02 // XT_STRING_FLAG_IGNORECASE
)

// StringMaxPattern is XT_STRING_MAX_PATTERN_SIZE.
const StringMaxPattern = 128

// String is struct xt_string_info; the kernel's config pointer stays zero.
type String struct {
	From, To uint16
	Algo     string
	Pattern  string
	Flags    uint8
}

// Marshal encodes the info.
func (s String) Marshal() []byte {
	b := newEnc(StringMatch.Size)
	b.u16(0, s.From)
	b.u16(2, s.To)
	b.bytes(4, []byte(s.Algo))
	b.bytes(20, []byte(s.Pattern))
	b.u8(148, uint8(len(s.Pattern)))
	b.u8(149, s.Flags)
	return b
}

// DecodeString decodes the info.
func DecodeString(info []byte) (String, error) {
	if err := checkLen(StringMatch, info); err != nil {
		return String{}, err
	}
	return String{From: host.Uint16(info), To: host.Uint16(info[2:]), Algo: cString(info[4:20]),
		Pattern: string(info[20 : 20+min(int(info[148]), StringMaxPattern)]), Flags: info[149]}, nil
}
