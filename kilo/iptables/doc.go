// Package iptables is Kilo's pkg/iptables API of today (RuleSet, Rule with
// Append and Prepend, Client with InsertUnique, GetProtocol(net.IP),
// Controller with ControllerOption) on top of nftsync's engine, so that
// Kilo switches by changing one import path:
//
//	import "github.com/nftsync/nftsync/kilo/iptables"
//
// It is a thin layer over the controller package: a RuleSet's append rules
// keep their order, its prepend rules come before them, rules equal in
// meaning within a chain are installed once, and Set applies the whole set
// atomically over netlink: the filter table's chains inside iptables' own
// filter table, encoded as iptables-nft writes them (DefaultPlacement), so
// that the accepts Kilo prepends to FORWARD are final on hosts whose
// iptables FORWARD policy is DROP; the other tables' chains as native
// nftables rules in tables named kilo-* (see WithOwner). Where iptables is
// legacy, the iptables engine keeps every chain in iptables' own tables.
// With WithClients it drives Kilo-style clients rule by rule instead,
// inserting prepend rules at the top of shared chains.
//
// Defaults suit Kilo: owner "kilo", nothing logged unless WithLogger is
// given (it takes a go-kit style logger without depending on go-kit), and
// on a host whose kernel has IPv6 disabled only the IPv4 rules are managed.
package iptables
