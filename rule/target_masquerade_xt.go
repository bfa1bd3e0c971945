package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as libipt_MASQUERADE (IPv4) or
// libip6t_MASQUERADE (IPv6) write it, for rules placed in iptables-nft's
// own nat table: --to-ports sets the range, --random and --random-fully
// their flags.
func (m *Masquerade) xtInfo() (*xt.Ext, []byte) {
	return toPortsXt(m.fam, m.NATFlags, m.PortsSet, m.Ports, m.Base, xt.MasqueradeTarget, xt.Masquerade6Target)
}

// toPortsXt encodes a NAT target that takes only --to-ports and flags
// (MASQUERADE, REDIRECT): IPv4's v4 with a struct
// nf_nat_ipv4_multi_range_compat, IPv6's v6 with a struct nf_nat_range,
// no addresses. Neither has room for a base port: only its flag is set.
func toPortsXt(fam Family, f NATFlags, set bool, ports PortRange, base uint16, v4, v6 *xt.Ext) (*xt.Ext, []byte) {
	r := xt.NATRange{Flags: f.bits(set)}
	if set {
		r.MinPort, r.MaxPort = ports.Lo, ports.Hi
	}
	if base != 0 {
		r.Flags |= xt.NATProtoOffset
	}
	if fam == IPv6 {
		return v6, r.MarshalRange()
	}
	return v4, r.MarshalCompat()
}
