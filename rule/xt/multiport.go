package xt

import "fmt"

// MultiportMatch is xt_multiport, revision 1 (struct xt_multiport_v1),
// which iptables 1.8.9 uses.
var MultiportMatch = register(&Ext{Kind: Match, Name: "multiport", Rev: 1, Families: BothFamilies, Size: 48})

// The directions of a multiport match (enum xt_multiport_flags).
const (
	MultiportSource = iota
	MultiportDestination
	MultiportEither
)

// Multiport is struct xt_multiport_v1: up to 15 ports, a range taking two
// (its low port flagged in pflags).
type Multiport struct {
	Flags  uint8
	Ranges [][2]uint16 // low, high; equal for a single port
	Invert bool
}

// Marshal encodes the info: flags, count, ports[15] (host order),
// pflags[15], invert.
func (m Multiport) Marshal() ([]byte, error) {
	b := newEnc(MultiportMatch.Size)
	n := 0
	for _, r := range m.Ranges {
		need := 1
		if r[0] != r[1] {
			need = 2
		}
		if n+need > 15 {
			return nil, fmt.Errorf("multiport holds at most 15 ports, a range counting two")
		}
		b.u16(2+2*n, r[0])
		if need == 2 {
			b.u8(32+n, 1)
			b.u16(2+2*(n+1), r[1])
		}
		n += need
	}
	b.u8(0, m.Flags)
	b.u8(1, uint8(n))
	if m.Invert {
		b.u8(47, 1)
	}
	return b, nil
}
