package xt

import "net/netip"

// The NAT targets as iptables 1.8.9 writes them: IPv4's SNAT at revision
// 0 (struct nf_nat_ipv4_multi_range_compat, libipt_SNAT), IPv6's at
// revision 1 (struct nf_nat_range, libip6t_SNAT), and DNAT at revision 2
// in both families (struct nf_nat_range2, libxt_DNAT). The kernel loads
// them only in a table named "nat": nftsync installs them in iptables-nft's
// own nat table only (placement); in its own tables they are nft's native
// snat and dnat. The registry holds one extension per name, so IPv6's SNAT
// stands beside IPv4's.
var (
	SNATTarget  = register(&Ext{Kind: Target, Name: "SNAT", Rev: 0, Families: IPv4, Table: "nat", Size: 24})
	SNAT6Target = &Ext{Kind: Target, Name: "SNAT", Rev: 1, Families: IPv6, Table: "nat", Size: 40}
	DNATTarget  = register(&Ext{Kind: Target, Name: "DNAT", Rev: 2, Families: BothFamilies, Table: "nat", Size: 48})
)

// NATRange is the range a NAT target maps to: the NAT* flags, the address
// range (invalid addresses: none) and the port range.
type NATRange struct {
	Flags            uint32
	MinAddr, MaxAddr netip.Addr
	MinPort, MaxPort uint16
	// BasePort is nf_nat_range2's base_proto (with NATProtoOffset):
	// only MarshalRange2 has room for it.
	BasePort uint16
}

// MarshalCompat encodes struct nf_nat_ipv4_multi_range_compat with one
// range (IPv4 SNAT and MASQUERADE).
func (r NATRange) MarshalCompat() []byte {
	b := newEnc(SNATTarget.Size)
	b.u32(0, 1)
	b.u32(4, r.Flags)
	if r.MinAddr.Is4() {
		b.bytes(8, r.MinAddr.AsSlice())
		b.bytes(12, r.MaxAddr.AsSlice())
	}
	b.be16(16, r.MinPort)
	b.be16(18, r.MaxPort)
	return b
}

// MarshalRange encodes struct nf_nat_range (IPv6 SNAT and MASQUERADE).
func (r NATRange) MarshalRange() []byte {
	b := newEnc(SNAT6Target.Size)
	r.fill(b)
	return b
}

// MarshalRange2 encodes struct nf_nat_range2 (DNAT), whose base_proto
// follows the ports.
func (r NATRange) MarshalRange2() []byte {
	b := newEnc(DNATTarget.Size)
	r.fill(b)
	b.be16(40, r.BasePort)
	return b
}

// fill writes the fields nf_nat_range and nf_nat_range2 share: flags,
// two union nf_inet_addr (an IPv4 address in the first 4 bytes), ports.
func (r NATRange) fill(b enc) {
	b.u32(0, r.Flags)
	if r.MinAddr.IsValid() {
		b.bytes(4, r.MinAddr.AsSlice())
		b.bytes(20, r.MaxAddr.AsSlice())
	}
	b.be16(36, r.MinPort)
	b.be16(38, r.MaxPort)
}
