package xt

// RedirectTarget is IPv4's REDIRECT target, revision 0 (struct
// nf_nat_ipv4_multi_range_compat with one range), which iptables 1.8.9
// uses. The kernel loads it only in a table named "nat", from PREROUTING
// and OUTPUT: nftsync installs it in iptables-nft's own nat table only
// (placement); in its own tables REDIRECT is nft's native redirect. Hooks
// is left 0, as for MASQUERADE (masquerade.go).
var RedirectTarget = register(&Ext{Kind: Target, Name: "REDIRECT", Rev: 0, Families: IPv4,
	Table: "nat", Size: 24})

// Redirect6Target is IPv6's REDIRECT, revision 0, which takes a struct
// nf_nat_range. The registry holds one extension per name (IPv4's, whose
// hooks and table are the same), so this one stands beside it.
var Redirect6Target = &Ext{Kind: Target, Name: "REDIRECT", Rev: 0, Families: IPv6,
	Table: "nat", Size: 40}
