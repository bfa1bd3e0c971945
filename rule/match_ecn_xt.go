package rule

import "github.com/nftsync/nftsync/rule/xt"

// The ecn match has an exact native form (ip ecn, tcp flags); its xtables
// form is what iptables-nft writes, for placement in iptables' own tables.

// xtInfo encodes the match as struct xt_ecn_info.
func (m *ECN) xtInfo() (*xt.Ext, []byte) {
	var e xt.ECNInfo
	for _, f := range []struct {
		on, invert bool
		bit        uint8
	}{{m.IPSet, m.IPInvert, xt.ECNMatchIP}, {m.ECE, m.ECEInvert, xt.ECNMatchECE}, {m.CWR, m.CWRInvert, xt.ECNMatchCWR}} {
		if f.on {
			e.Operation |= f.bit
			if f.invert {
				e.Invert |= f.bit
			}
		}
	}
	e.IPECT = m.IP
	return xt.ECNMatch, e.Marshal()
}
