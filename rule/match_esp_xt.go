package rule

import "github.com/nftsync/nftsync/rule/xt"

// The esp match has an exact native form (esp spi); its xtables form is
// what iptables-nft writes, for placement in iptables' own tables.

// xtInfo encodes the match as struct xt_esp. Without --espspi iptables
// writes the range 0:4294967295.
func (m *ESP) xtInfo() (*xt.Ext, []byte) {
	e := xt.ESP{SPIs: [2]uint32{0, 0xffffffff}}
	if m.SPI.Set {
		e.SPIs = [2]uint32{m.SPI.Lo, m.SPI.Hi}
		if m.SPI.Invert {
			e.InvFlags = xt.ESPInvSPI
		}
	}
	return xt.ESPMatch, e.Marshal()
}
