package xt

import "net/netip"

// NetmapTarget is xt_NETMAP of IPv4, revision 0 (struct
// nf_nat_ipv4_multi_range_compat with one range), which iptables 1.8.9
// uses. The kernel loads it only in a table named nat, from any of the
// nat table's hooks (see Ext.Installable).
var NetmapTarget = register(&Ext{Kind: Target, Name: "NETMAP", Rev: 0, Families: IPv4,
	Hooks: PreRouting | LocalIn | LocalOut | PostRouting, Table: "nat", Size: 24})

// Netmap6Target is IPv6's NETMAP, revision 0, which takes a struct
// nf_nat_range instead. The registry holds one extension per name (IPv4's,
// whose hooks and table are the same), so this one stands beside it.
var Netmap6Target = &Ext{Kind: Target, Name: "NETMAP", Rev: 0, Families: IPv6,
	Hooks: PreRouting | LocalIn | LocalOut | PostRouting, Table: "nat", Size: 40}

// netmapMapIPs is NF_NAT_RANGE_MAP_IPS, the one flag NETMAP's range has.
const netmapMapIPs = 1

// Netmap is NETMAP's range: the network Min..Max, whose bits outside the
// host part (Min ^ Max) replace the packet's address.
type Netmap struct {
	Min, Max netip.Addr
}

// Marshal encodes the info for the addresses' family: IPv4's rangesize 1,
// flags, min_ip, max_ip; IPv6's flags, min_addr, max_addr. The ports stay
// zero.
func (n Netmap) Marshal() []byte {
	if n.Min.Is4() {
		b := newEnc(NetmapTarget.Size)
		b.u32(0, 1)
		b.u32(4, netmapMapIPs)
		lo, hi := n.Min.As4(), n.Max.As4()
		b.bytes(8, lo[:])
		b.bytes(12, hi[:])
		return b
	}
	b := newEnc(Netmap6Target.Size)
	b.u32(0, netmapMapIPs)
	lo, hi := n.Min.As16(), n.Max.As16()
	b.bytes(4, lo[:])
	b.bytes(20, hi[:])
	return b
}
