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
// atomically (by default as native nftables rules in tables named kilo-*,
// see WithOwner). With WithClients it drives Kilo-style clients rule by rule
// instead, inserting prepend rules at the top of shared chains.
//
// Prepend rules stay marked as such down to the engine (firewall.Chain.Head
// counts them), so that an option placing them in iptables' own chains can
// be added without changing this API. Until then, the accepts Kilo prepends
// to FORWARD are final only in the owner's own table: see the README's
// caveat for hosts whose iptables FORWARD policy is DROP.
//
// Defaults suit Kilo: owner "kilo", nothing logged unless WithLogger is
// given (it takes a go-kit style logger without depending on go-kit), and
// on a host whose kernel has IPv6 disabled only the IPv4 rules are managed.
package iptables
