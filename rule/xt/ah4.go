package xt

// AHInvSPI4 is IPT_AH_INV_SPI.
const AHInvSPI4 = 0x01

// AH4 is struct ipt_ah, the info of AH6Match in IPv4 rules: an SPI range.
// Its invflags sit where ip6t_ah has its hdrlen.
type AH4 struct {
	SPIs     [2]uint32
	InvFlags uint8
}

// Marshal encodes the info.
func (a AH4) Marshal() []byte {
	b := newEnc(AH6Match.Size)
	b.u32(0, a.SPIs[0])
	b.u32(4, a.SPIs[1])
	b.u8(8, a.InvFlags)
	return b
}
