package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as iptables 1.8.9 writes it: libipt_SNAT
// (IPv4, revision 0), libip6t_SNAT (IPv6, revision 1) or libxt_DNAT
// (revision 2). The kernel loads them only in a table named nat, so this
// form runs only in iptables-nft's own nat table (placement): for rules
// nft's snat and dnat cannot state (an inverted address range) and for
// rules placed there.
func (n *NAT) xtInfo() (*xt.Ext, []byte) {
	r := xt.NATRange{Flags: n.NATFlags.bits(n.Range.Ports), MinAddr: n.Range.Min, MaxAddr: n.Range.Max}
	if r.MinAddr.IsValid() {
		r.Flags |= xt.NATMapIPs
	}
	if n.Range.Ports {
		r.MinPort, r.MaxPort = n.Range.Lo, n.Range.Hi
	}
	if n.Range.Base != 0 {
		// Only DNAT's nf_nat_range2 has room for the base itself.
		r.Flags |= xt.NATProtoOffset
		r.BasePort = n.Range.Base
	}
	switch {
	case n.Kind == "DNAT":
		return xt.DNATTarget, r.MarshalRange2()
	case n.fam == IPv6:
		return xt.SNAT6Target, r.MarshalRange()
	}
	return xt.SNATTarget, r.MarshalCompat()
}
