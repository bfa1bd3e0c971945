package xt

import "net/netip"

// SRHMatch is ip6t_srh, revision 1 (struct ip6t_srh1), IPv6 only.
var SRHMatch = register(&Ext{Kind: Match, Name: "srh", Rev: 1, Families: IPv6, Size: 112})

// SRH is struct ip6t_srh1. The SIDs are PSID, NSID and LSID in that
// order, each an address and a mask; Flags and InvFlags are IP6T_SRH_*.
type SRH struct {
	NextHdr, HdrLen, SegsLeft, LastEntry uint8
	Tag                                  uint16
	SID, SIDMask                         [3]netip.Addr
	Flags, InvFlags                      uint16
}

// Marshal encodes the info; a SID left invalid is zero.
func (s SRH) Marshal() []byte {
	b := newEnc(SRHMatch.Size)
	b.u8(0, s.NextHdr)
	b.u8(1, s.HdrLen)
	b.u8(2, s.SegsLeft)
	b.u8(3, s.LastEntry)
	b.u16(4, s.Tag)
	for i := range s.SID {
		if s.SID[i].IsValid() {
			b.bytes(8+16*i, s.SID[i].AsSlice())
			b.bytes(56+16*i, s.SIDMask[i].AsSlice())
		}
	}
	b.u16(104, s.Flags)
	b.u16(106, s.InvFlags)
	return b
}

// DecodeSRH decodes the info; every SID is decoded, set or not.
func DecodeSRH(info []byte) (SRH, error) {
	if err := checkLen(SRHMatch, info); err != nil {
		return SRH{}, err
	}
	s := SRH{NextHdr: info[0], HdrLen: info[1], SegsLeft: info[2], LastEntry: info[3], Tag: host.Uint16(info[4:]),
		Flags: host.Uint16(info[104:]), InvFlags: host.Uint16(info[106:])}
	for i := range s.SID {
		s.SID[i] = netip.AddrFrom16([16]byte(info[8+16*i:]))
		s.SIDMask[i] = netip.AddrFrom16([16]byte(info[56+16*i:]))
	}
	return s, nil
}
