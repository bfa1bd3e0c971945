package xt

import "net/netip"

// IPRangeMatch is xt_iprange, revision 1 (struct xt_iprange_mtinfo),
// which iptables 1.8.9 uses for both families.
var IPRangeMatch = register(&Ext{Kind: Match, Name: "iprange", Rev: 1, Families: BothFamilies, Size: 72})

// The bits of IPRange.Flags (IPRANGE_*).
const (
	IPRangeSrc    = 1 << 0
	IPRangeDst    = 1 << 1
	IPRangeSrcInv = 1 << 4
	IPRangeDstInv = 1 << 5
)

// IPRange is struct xt_iprange_mtinfo: inclusive source and destination
// address ranges, each a union nf_inet_addr (an IPv4 address in its first
// 4 bytes). The kernel compares the addresses in host order and does not
// check that min <= max: an inverted range never matches (negated, it
// always does).
type IPRange struct {
	SrcMin, SrcMax, DstMin, DstMax netip.Addr
	Flags                          uint8
}

// Marshal encodes the info.
func (r IPRange) Marshal() []byte {
	b := newEnc(IPRangeMatch.Size)
	for i, a := range []netip.Addr{r.SrcMin, r.SrcMax, r.DstMin, r.DstMax} {
		if a.IsValid() {
			b.bytes(16*i, a.AsSlice())
		}
	}
	b.u8(64, r.Flags)
	return b
}
