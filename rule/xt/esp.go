package xt

// ESPMatch is the esp match, revision 0 (struct xt_esp), for both
// families. The kernel registers it for protocol esp: the rule needs
// -p esp (NFTA_RULE_COMPAT).
var ESPMatch = register(&Ext{Kind: Match, Name: "esp", Rev: 0, Families: BothFamilies, Size: 16})

// ESPInvSPI is XT_ESP_INV_SPI.
const ESPInvSPI = 0x01

// ESP is struct xt_esp: an SPI range.
type ESP struct {
	SPIs     [2]uint32
	InvFlags uint8
}

// Marshal encodes the info.
func (e ESP) Marshal() []byte {
	b := newEnc(ESPMatch.Size)
	b.u32(0, e.SPIs[0])
	b.u32(4, e.SPIs[1])
	b.u8(8, e.InvFlags)
	return b
}
