package xt

// TCPMSSMatch is xt_tcpmss, revision 0 (struct xt_tcpmss_match_info); the
// kernel binds it to TCP (its .proto), so the rule must carry -p tcp in
// NFTA_RULE_COMPAT.
var TCPMSSMatch = register(&Ext{Kind: Match, Name: "tcpmss", Rev: 0, Families: BothFamilies, Size: 8})

// TCPMSS is struct xt_tcpmss_match_info.
type TCPMSS struct {
	Min, Max uint16
	Invert   bool
}

// Marshal encodes the info.
func (m TCPMSS) Marshal() []byte {
	b := newEnc(TCPMSSMatch.Size)
	b.u16(0, m.Min)
	b.u16(2, m.Max)
	if m.Invert {
		b.u8(4, 1)
	}
	return b
}

// DecodeTCPMSS decodes the info.
func DecodeTCPMSS(info []byte) (TCPMSS, error) {
	if err := checkLen(TCPMSSMatch, info); err != nil {
		return TCPMSS{}, err
	}
	return TCPMSS{Min: host.Uint16(info), Max: host.Uint16(info[2:]), Invert: info[4] != 0}, nil
}
