package rule

// The ipcomp match installs xt_ipcomp where nft cannot compare as
// iptables does (xlateOrXt, xt_fallback.go): a CPI range beyond 16 bits,
// or no --ipcompspi at all.

import "github.com/nftsync/nftsync/rule/xt"

func (m *IPComp) xlate(x *xlator) error { return xlateOrXt(x, m.xlateNative, m) }

// xtInfo encodes the match as struct xt_ipcomp. Without --ipcompspi
// iptables 1.8.9 writes the range 0:0 (libxt_ipcomp has no default),
// which the kernel reads as "CPI 0": that is the rule's meaning.
func (m *IPComp) xtInfo() (*xt.Ext, []byte) {
	c := xt.IPComp{}
	if m.SPI.Set {
		c.SPIs = [2]uint32{m.SPI.Lo, m.SPI.Hi}
		if m.SPI.Invert {
			c.InvFlags = xt.IPCompInvSPI
		}
	}
	if m.Res {
		c.HdrRes = 1
	}
	return xt.IPCompMatch, c.Marshal()
}
