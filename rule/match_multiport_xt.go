package rule

import (
	"fmt"

	"github.com/nftsync/nftsync/rule/xt"
)

// xlateXt installs xt_multiport itself for a --ports list nft's interval
// set cannot hold (see xlateEither); text is iptables-translate's.
func (m *Multiport) xlateXt(x *xlator, text string) error {
	ext, info := m.xtInfo()
	if info == nil {
		return fmt.Errorf("-m multiport: more than %d ports, a range counting two", MaxMultiports)
	}
	return x.addXt(text, "whose set elements overlap, which the kernel refuses", ext, info)
}

// xtInfo encodes the match as struct xt_multiport_v1, the ports in the
// order given; the info is nil for a list longer than xt_multiport holds
// (which the parser refuses).
func (m *Multiport) xtInfo() (*xt.Ext, []byte) {
	i := xt.Multiport{Flags: map[string]uint8{"--sports": xt.MultiportSource, "--dports": xt.MultiportDestination, "--ports": xt.MultiportEither}[m.Dir], Invert: m.Invert}
	for _, r := range m.Ports {
		i.Ranges = append(i.Ranges, [2]uint16{r.Lo, r.Hi})
	}
	b, err := i.Marshal()
	if err != nil {
		return xt.MultiportMatch, nil
	}
	return xt.MultiportMatch, b
}
