package rule

import "github.com/nftsync/nftsync/rule/xt"

// The mh match has an exact native form (mh type); its xtables form is
// what ip6tables-nft writes, for placement in iptables' own tables.

// xtInfo encodes the match as struct ip6t_mh. Without --mh-type
// ip6tables writes the range 0:255.
func (m *MH) xtInfo() (*xt.Ext, []byte) {
	h := xt.MH{Types: [2]uint8{0, 0xff}}
	if m.Type.Set {
		h.Types = [2]uint8{uint8(m.Type.Lo), uint8(m.Type.Hi)}
		if m.Type.Invert {
			h.InvFlags = xt.MHInvType
		}
	}
	return xt.MHMatch, h.Marshal()
}
