package xt

// MultiportMatch is xt_multiport, revision 1 (struct xt_multiport_v1).
// Its checkentry requires the rule's protocol (tcp, udp, udplite, sctp or
// dccp, not negated), which the engine sends as NFTA_RULE_COMPAT.
var MultiportMatch = register(&Ext{Kind: Match, Name: "multiport", Rev: 1, Families: BothFamilies, Size: 48})

// The values of Multiport.Flags (XT_MULTIPORT_*).
const (
	MultiportSource, MultiportDestination, MultiportEither = 0, 1, 2
)

// MultiportMax is XT_MULTI_PORTS: the most entries (a range takes two).
const MultiportMax = 15

// MultiportRange is one item: a port (Lo == Hi) or a range.
type MultiportRange struct{ Lo, Hi uint16 }

// Multiport is struct xt_multiport_v1. Ports holds at most MultiportMax
// entries, a range counting as two; Marshal drops what does not fit.
type Multiport struct {
	Flags  uint8
	Ports  []MultiportRange
	Invert bool
}

// Marshal encodes the info: a range is two entries, the first with its
// pflags byte set, as iptables writes it.
func (m Multiport) Marshal() []byte {
	b := newEnc(MultiportMatch.Size)
	b.u8(0, m.Flags)
	n := 0
	for _, r := range m.Ports {
		if r.Lo != r.Hi {
			if n+2 > MultiportMax {
				break
			}
			b.u16(2+2*n, r.Lo)
			b.u8(32+n, 1)
			n++
			b.u16(2+2*n, r.Hi)
			n++
			continue
		}
		if n+1 > MultiportMax {
			break
		}
		b.u16(2+2*n, r.Lo)
		n++
	}
	b.u8(1, uint8(n))
	if m.Invert {
		b.u8(47, 1)
	}
	return b
}
