package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs xt_multiport itself for a --ports list nft's interval
// set cannot hold (see xlateEither); text is iptables-translate's.
func (m *Multiport) xlateXt(x *xlator, text string) error {
	ext, info := m.xtInfo()
	return x.addXt(text, "whose set elements overlap, which the kernel refuses", ext, info)
}

// xtInfo encodes the match as struct xt_multiport_v1, the ports in the
// order given.
func (m *Multiport) xtInfo() (*xt.Ext, []byte) {
	i := xt.Multiport{Flags: map[string]uint8{"--sports": xt.MultiportSource, "--dports": xt.MultiportDestination, "--ports": xt.MultiportEither}[m.Dir], Invert: m.Invert}
	for _, r := range m.Ports {
		i.Ports = append(i.Ports, xt.MultiportRange{Lo: r.Lo, Hi: r.Hi})
	}
	return xt.MultiportMatch, i.Marshal()
}
