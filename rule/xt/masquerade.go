package xt

// MasqueradeTarget is the MASQUERADE target, revision 0, of IPv4 (struct
// nf_nat_ipv4_multi_range_compat with one range), which iptables 1.8.9
// uses. The kernel loads it only in a table named "nat", from POSTROUTING:
// nftsync installs it in iptables-nft's own nat table only (placement); in
// its own tables MASQUERADE is nft's native masquerade. Hooks is left 0:
// registering POSTROUTING would make rule.CheckHooks refuse a misplaced
// MASQUERADE early for every engine, which the iptables engine's tests
// rely on the kernel to do; the kernel still refuses it in a placed chain.
var MasqueradeTarget = register(&Ext{Kind: Target, Name: "MASQUERADE", Rev: 0, Families: IPv4,
	Table: "nat", Size: 24})

// Masquerade6Target is IPv6's MASQUERADE, revision 0, which takes a struct
// nf_nat_range instead. The registry holds one extension per name (IPv4's,
// whose hooks and table are the same), so this one stands beside it.
var Masquerade6Target = &Ext{Kind: Target, Name: "MASQUERADE", Rev: 0, Families: IPv6,
	Table: "nat", Size: 40}

// The flags of a NAT range (NF_NAT_RANGE_*).
const (
	NATMapIPs         = 1
	NATProtoSpecified = 2
	NATProtoRandom    = 4
	NATPersistent     = 8
	NATRandomFully    = 16
	NATProtoOffset    = 32
)

// Masquerade is the range MASQUERADE takes: flags and, with
// NATProtoSpecified, the --to-ports range.
type Masquerade struct {
	Flags            uint32
	MinPort, MaxPort uint16
}

// Marshal encodes the IPv4 info: rangesize 1, then the range (flags, no
// addresses, the ports), as SNAT's (nat.go).
func (m Masquerade) Marshal() []byte {
	return NATRange{Flags: m.Flags, MinPort: m.MinPort, MaxPort: m.MaxPort}.MarshalCompat()
}

// Marshal6 encodes the IPv6 info: struct nf_nat_range with no addresses.
func (m Masquerade) Marshal6() []byte {
	return NATRange{Flags: m.Flags, MinPort: m.MinPort, MaxPort: m.MaxPort}.MarshalRange()
}
