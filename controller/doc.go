// Package controller keeps a declared list of iptables-style rules in place:
// it is Kilo's pkg/iptables API (Rule, Chain, Client, Controller, Protocol)
// on top of an engine that compares rules by meaning and applies them
// atomically, by default nftables over netlink.
//
// It is the API of the Kilo of 2021; today's Kilo API (RuleSet, Prepend,
// InsertUnique) is package kilo/iptables, a layer over this one.
//
// Existing callers switch by changing the import path:
//
//	c, err := controller.New()
//	err = c.Set([]controller.Rule{
//		controller.NewIPv4Chain("nat", "KILO-NAT"),
//		controller.NewIPv4Rule("nat", "KILO-NAT", "-d", "10.4.0.0/16", "-j", "RETURN"),
//		controller.NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
//		controller.NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: jump", "-j", "KILO-NAT"),
//	})
//
// Set validates every rule before anything is touched, then the engine makes
// the owned state equal the list in one atomic step; Run and Reconcile repair
// drift made by others.
package controller
