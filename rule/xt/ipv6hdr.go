package xt

// The IPv6 extension header matches of ip6tables (ip6t_ah, ip6t_frag,
// ip6t_opts for hbh, ip6t_rt) and xt_ipcomp, revision 0: a 32-bit range
// of a header field (SPI, CPI, fragment id, segments left), the header's
// length in bytes and flags. One file: they share their layout's head.

// AH6Match is ip6t_ah (struct ip6t_ah); IPv4's ah has another layout.
var AH6Match = register(&Ext{Kind: Match, Name: "ah", Rev: 0, Families: IPv6, Size: 16})

// FragMatch is ip6t_frag (struct ip6t_frag).
var FragMatch = register(&Ext{Kind: Match, Name: "frag", Rev: 0, Families: IPv6, Size: 16})

// HBHMatch is ip6t_hbh (struct ip6t_opts).
var HBHMatch = register(&Ext{Kind: Match, Name: "hbh", Rev: 0, Families: IPv6, Size: 40})

// RTMatch is ip6t_rt (struct ip6t_rt, with room for 16 addresses that
// nftsync leaves empty).
var RTMatch = register(&Ext{Kind: Match, Name: "rt", Rev: 0, Families: IPv6, Size: 280})

// IPCompMatch is xt_ipcomp (struct xt_ipcomp).
var IPCompMatch = register(&Ext{Kind: Match, Name: "ipcomp", Rev: 0, Families: BothFamilies, Size: 16})

// Range is a 32-bit range of a header field, inverted or not; the zero
// value is unset, which iptables writes as 0:0xffffffff.
type Range struct {
	Set    bool
	Lo, Hi uint32
	Invert bool
}

func (r Range) put(b enc, off int) {
	if !r.Set {
		b.u32(off+4, 0xffffffff)
		return
	}
	b.u32(off, r.Lo)
	b.u32(off+4, r.Hi)
}

// AH6 is struct ip6t_ah: --ahspi, --ahlen (bytes, 0: unset unless
// LenInvert) and --ahres.
type AH6 struct {
	SPI       Range
	Len       uint32
	LenInvert bool
	Res       bool
}

// Marshal encodes the info.
func (a AH6) Marshal() []byte {
	b := newEnc(AH6Match.Size)
	a.SPI.put(b, 0)
	b.u32(8, a.Len)
	if a.Res {
		b.u8(12, 1)
	}
	var inv uint8
	if a.SPI.Invert {
		inv |= 0x01 // IP6T_AH_INV_SPI
	}
	if a.LenInvert {
		inv |= 0x02 // IP6T_AH_INV_LEN
	}
	b.u8(13, inv)
	return b
}

// The flags of Frag (IP6T_FRAG_*).
const (
	FragIDs   = 0x01
	FragLen   = 0x02
	FragRes   = 0x04
	FragFirst = 0x08
	FragMore  = 0x10
	FragLast  = 0x20
)

// Frag is struct ip6t_frag.
type Frag struct {
	ID    Range
	Flags uint8
}

// Marshal encodes the info.
func (f Frag) Marshal() []byte {
	b := newEnc(FragMatch.Size)
	f.ID.put(b, 0)
	b.u8(12, f.Flags)
	if f.ID.Invert {
		b.u8(13, 0x01) // IP6T_FRAG_INV_IDS
	}
	return b
}

// HBH is struct ip6t_opts with --hbh-len only (no option list).
type HBH struct {
	Len               uint32
	LenSet, LenInvert bool
}

// Marshal encodes the info.
func (h HBH) Marshal() []byte {
	b := newEnc(HBHMatch.Size)
	b.u32(0, h.Len)
	if h.LenSet {
		b.u8(4, 0x01) // IP6T_OPTS_LEN
	}
	if h.LenInvert {
		b.u8(5, 0x01) // IP6T_OPTS_INV_LEN
	}
	return b
}

// RT is struct ip6t_rt without addresses.
type RT struct {
	Type                uint32
	TypeSet, TypeInvert bool
	SegsLeft            Range
	Len                 uint32
	LenSet, LenInvert   bool
}

// Marshal encodes the info.
func (r RT) Marshal() []byte {
	b := newEnc(RTMatch.Size)
	b.u32(0, r.Type)
	r.SegsLeft.put(b, 4)
	b.u32(12, r.Len)
	var flags, inv uint8
	for _, f := range []struct {
		set, invert bool
		flag, inv   uint8
	}{{r.TypeSet, r.TypeInvert, 0x01, 0x01}, {r.SegsLeft.Set, r.SegsLeft.Invert, 0x02, 0x02}, {r.LenSet, r.LenInvert, 0x04, 0x04}} {
		if f.set {
			flags |= f.flag
		}
		if f.invert {
			inv |= f.inv
		}
	}
	b.u8(16, flags)
	b.u8(17, inv)
	return b
}

// IPComp is struct xt_ipcomp.
type IPComp struct{ SPI Range }

// Marshal encodes the info.
func (c IPComp) Marshal() []byte {
	b := newEnc(IPCompMatch.Size)
	c.SPI.put(b, 0)
	if c.SPI.Invert {
		b.u8(8, 0x01) // XT_IPCOMP_INV_SPI
	}
	return b
}
