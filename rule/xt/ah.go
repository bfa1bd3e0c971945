package xt

// AHMatch is ipt_ah ("ah" in IPv4 rules), revision 0 (struct ipt_ah): the
// same name and size as ip6t_ah (AH6Match) but another layout. It is not
// in the registry, which holds one extension per name (ip6t_ah): Lookup's
// answers (hooks, table) are the same for both, none, and the rule's
// family picks the struct.
var AHMatch = &Ext{Kind: Match, Name: "ah", Rev: 0, Families: IPv4, Size: 16}

// AHInvSPIv4 is IPT_AH_INV_SPI.
const AHInvSPIv4 = 0x01

// AH is struct ipt_ah: an SPI range, then its invert flag at offset 8.
// The kernel binds the match to protocol AH (its .proto): the rule must
// carry -p ah in NFTA_RULE_COMPAT.
type AH struct {
	SPIs     [2]uint32
	InvFlags uint8
}

// Marshal encodes the info.
func (a AH) Marshal() []byte {
	b := newEnc(AHMatch.Size)
	b.u32(0, a.SPIs[0])
	b.u32(4, a.SPIs[1])
	b.u8(8, a.InvFlags)
	return b
}
