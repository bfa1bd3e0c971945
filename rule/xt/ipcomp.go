package xt

// IPCompMatch is xt_ipcomp, revision 0 (struct xt_ipcomp).
var IPCompMatch = register(&Ext{Kind: Match, Name: "ipcomp", Rev: 0, Families: BothFamilies, Size: 16})

// IPCompInvSPI is XT_IPCOMP_INV_SPI.
const IPCompInvSPI = 0x01

// IPComp is struct xt_ipcomp: a CPI range (named spis as in xt_ipcomp)
// and hdrres, which --compres sets and the kernel does not read.
type IPComp struct {
	SPIs     [2]uint32
	InvFlags uint8
	HdrRes   uint8
}

// Marshal encodes the info.
func (c IPComp) Marshal() []byte {
	b := newEnc(IPCompMatch.Size)
	b.u32(0, c.SPIs[0])
	b.u32(4, c.SPIs[1])
	b.u8(8, c.InvFlags)
	b.u8(9, c.HdrRes)
	return b
}
