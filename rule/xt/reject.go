package xt

// RejectTarget is the REJECT target, revision 0 (struct ipt_reject_info,
// struct ip6t_reject_info: one enum), which iptables 1.8.9 uses. The kernel
// loads it only in a table named "filter", from INPUT, FORWARD and OUTPUT:
// nftsync installs it in iptables-nft's own filter table only (placement);
// in its own tables REJECT is nft's native reject. Hooks is left 0, as for
// MASQUERADE (masquerade.go): the kernel refuses it outside INPUT, FORWARD
// and OUTPUT in a placed chain.
var RejectTarget = register(&Ext{Kind: Target, Name: "REJECT", Rev: 0, Families: BothFamilies,
	Table: "filter", Size: 8})

// RejectWith returns the info for --reject-with: the family's enum
// ipt_reject_with / ip6t_reject_with value, whose numbering differs from
// the ICMP codes.
func RejectWith(v uint32) []byte {
	b := newEnc(RejectTarget.Size)
	b.u32(0, v)
	return b
}

// The --reject-with values, by iptables name, of each family.
var (
	RejectIPv4 = map[string]uint32{
		"icmp-net-unreachable": 0, "icmp-host-unreachable": 1, "icmp-proto-unreachable": 2,
		"icmp-port-unreachable": 3, "icmp-net-prohibited": 5, "icmp-host-prohibited": 6,
		"tcp-reset": 7, "icmp-admin-prohibited": 8,
	}
	RejectIPv6 = map[string]uint32{
		"icmp6-no-route": 0, "icmp6-adm-prohibited": 1, "icmp6-addr-unreachable": 3,
		"icmp6-port-unreachable": 4, "tcp-reset": 6, "icmp6-policy-fail": 7, "icmp6-reject-route": 8,
	}
)
