package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// An IPv6 ah match with an --ahlen nft cannot compare (not a whole number
// of 4-byte units, shorter than any AH header) is installed as the
// kernel's ip6t_ah itself, with ip6tables-translate's text.

// ahLenExact reports whether nft can compare an --ahlen in bytes.
func ahLenExact(n uint32) bool { return n >= 8 && n%4 == 0 && n/4-2 <= 255 }

func (m *AH) xtXlate(x *xlator) error {
	var parts []string
	if !m.SPI.all(0xffffffff) {
		parts = append(parts, "ah spi "+m.SPI.text())
	}
	parts = append(parts, fmt.Sprintf("ah hdrlength %s%d", neq(m.LenInvert), m.Len))
	if m.Res {
		parts = append(parts, "ah reserved 1")
	}
	ext, info := m.xtInfo()
	return x.addXt(strings.Join(parts, " "), "which nft compares with the raw length field, and no AH header is that many bytes long", ext, info)
}

// xtInfo encodes the match as struct ip6t_ah, or in an IPv4 rule as
// struct ipt_ah (placement writes it so in iptables' own tables).
func (m *AH) xtInfo() (*xt.Ext, []byte) {
	if m.fam == IPv4 {
		a := xt.AH4{SPIs: [2]uint32{0, 0xffffffff}}
		if m.SPI.Set {
			a.SPIs = [2]uint32{m.SPI.Lo, m.SPI.Hi}
			if m.SPI.Invert {
				a.InvFlags = xt.AHInvSPI4
			}
		}
		return xt.AH6Match, a.Marshal()
	}
	a := xt.AH6{SPIs: [2]uint32{0, 0xffffffff}, HdrLen: m.Len}
	if m.SPI.Set {
		a.SPIs = [2]uint32{m.SPI.Lo, m.SPI.Hi}
		if m.SPI.Invert {
			a.InvFlags |= xt.AHInvSPI
		}
	}
	if m.LenInvert {
		a.InvFlags |= xt.AHInvLen
	}
	if m.Res {
		a.HdrRes = 1
	}
	return xt.AH6Match, a.Marshal()
}
