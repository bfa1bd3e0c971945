package iptables_test

import (
	"net"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/kilo/iptables"
)

// kiloRule is one rule or chain of a Kilo RuleSet, as data, so that the
// same list can be given to this package and to the controller package.
type kiloRule struct {
	prepend      bool
	proto        iptables.Protocol
	table, chain string
	spec         []string // nil: the chain itself
}

// kiloTopology is a dual-stack Kilo mesh seen from the leader of location
// "a": two nodes here, one location elsewhere, a peer, service CIDRs.
type kiloTopology struct {
	subnet   *net.IPNet // this node's pod subnet
	location string
	segments []kiloSegment
	peers    [][]*net.IPNet // allowed IPs of each peer
	services []*net.IPNet
	nodes    []*net.IPNet // private IPs of the nodes, for IPIP
}

type kiloSegment struct {
	location     string
	wireGuardIP  net.IP
	cidrs        []*net.IPNet
	privateIPs   []net.IP
	allowedIPs   []*net.IPNet // as Kilo keeps them: the WireGuard IP under the mesh mask, unmasked
	allowedLocIP []*net.IPNet
}

func mustCIDR(s string) *net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	// Keep the address as written, as Kilo's IPNets often do
	// (10.5.0.1/24 prints as 10.5.0.1/24).
	n.IP = ip
	if ip4 := ip.To4(); ip4 != nil {
		n.IP = ip4
	}
	return n
}

func hostCIDR(ip net.IP) string {
	if ip.To4() != nil {
		return ip.String() + "/32"
	}
	return ip.String() + "/128"
}

func newKiloTopology() *kiloTopology {
	return &kiloTopology{
		subnet:   mustCIDR("10.2.1.0/24"),
		location: "a",
		segments: []kiloSegment{
			{
				location:    "a",
				wireGuardIP: net.ParseIP("10.5.0.1"),
				cidrs:       []*net.IPNet{mustCIDR("10.2.1.0/24"), mustCIDR("fd10:2:1::/64"), mustCIDR("10.2.2.0/24"), mustCIDR("fd10:2:2::/64")},
				privateIPs:  []net.IP{net.ParseIP("192.168.0.1"), net.ParseIP("192.168.0.2"), net.ParseIP("fd00:168::1"), net.ParseIP("fd00:168::2")},
				allowedIPs: []*net.IPNet{mustCIDR("10.2.1.0/24"), mustCIDR("10.2.2.0/24"), mustCIDR("fd10:2:1::/64"), mustCIDR("fd10:2:2::/64"),
					mustCIDR("192.168.0.1/32"), mustCIDR("192.168.0.2/32"), mustCIDR("10.5.0.1/24"), mustCIDR("fd10:5::1/64")},
				allowedLocIP: []*net.IPNet{mustCIDR("172.16.0.0/24"), mustCIDR("fd17:16::/64")},
			},
			{
				location:    "b",
				wireGuardIP: net.ParseIP("10.5.0.2"),
				cidrs:       []*net.IPNet{mustCIDR("10.2.3.0/24"), mustCIDR("fd10:2:3::/64")},
				privateIPs:  []net.IP{net.ParseIP("192.168.1.1"), net.ParseIP("fd00:169::1")},
				allowedIPs: []*net.IPNet{mustCIDR("10.2.3.0/24"), mustCIDR("fd10:2:3::/64"), mustCIDR("192.168.1.1/32"),
					mustCIDR("10.5.0.2/24"), mustCIDR("fd10:5::2/64")},
				allowedLocIP: []*net.IPNet{mustCIDR("172.17.0.0/24")},
			},
		},
		peers:    [][]*net.IPNet{{mustCIDR("10.5.0.100/32"), mustCIDR("fd10:5::100/128")}},
		services: []*net.IPNet{mustCIDR("10.96.0.0/12"), mustCIDR("fd10:96::/108")},
		nodes:    []*net.IPNet{mustCIDR("192.168.0.1/32"), mustCIDR("192.168.0.2/32"), mustCIDR("fd00:168::1/128"), mustCIDR("fd00:168::2/128")},
	}
}

// rules returns what Kilo's mesh (Topology.Rules with cni and the
// iptables forward rules, as a leader) and its IPIP encapsulation install
// for this topology: our own rendering of the rules Kilo builds, in
// Kilo's order.
func (t *kiloTopology) rules() []kiloRule {
	var out []kiloRule
	add := func(prepend bool, p iptables.Protocol, table, chain string, spec ...string) {
		out = append(out, kiloRule{prepend: prepend, proto: p, table: table, chain: chain, spec: spec})
	}
	proto := func(ip net.IP) iptables.Protocol { return iptables.GetProtocol(ip) }
	comment := func(c string) []string { return []string{"-m", "comment", "--comment", c} }
	v4, v6 := iptables.ProtocolIPv4, iptables.ProtocolIPv6
	// Chains first, as Kilo appends them.
	add(false, v4, "nat", "KILO-NAT")
	add(false, v6, "nat", "KILO-NAT")
	add(true, proto(t.subnet.IP), "nat", "POSTROUTING", append(append([]string{"-s", t.subnet.String()}, comment("Kilo: jump to KILO-NAT chain")...), "-j", "KILO-NAT")...)
	for _, s := range t.segments {
		if s.location != t.location {
			continue
		}
		for _, c := range s.cidrs {
			add(true, proto(c.IP), "filter", "FORWARD", append(comment("Kilo: forward packets from the pod subnet"), "-s", c.String(), "-j", "ACCEPT")...)
			add(true, proto(c.IP), "filter", "FORWARD", append(comment("Kilo: forward packets to the pod subnet"), "-d", c.String(), "-j", "ACCEPT")...)
		}
		for _, c := range s.allowedLocIP {
			add(true, proto(c.IP), "filter", "FORWARD", append(comment("Kilo: forward packets from allowed location IPs"), "-s", c.String(), "-j", "ACCEPT")...)
			add(true, proto(c.IP), "filter", "FORWARD", append(comment("Kilo: forward packets to allowed location IPs"), "-d", c.String(), "-j", "ACCEPT")...)
		}
		for _, ip := range s.privateIPs {
			add(true, proto(ip), "filter", "FORWARD", append(comment("Kilo: forward packets from private IPs"), "-s", hostCIDR(ip), "-j", "ACCEPT")...)
			add(true, proto(ip), "filter", "FORWARD", append(comment("Kilo: forward packets to private IPs"), "-d", hostCIDR(ip), "-j", "ACCEPT")...)
		}
	}
	for _, s := range t.segments {
		add(true, proto(s.wireGuardIP), "nat", "KILO-NAT", append(append([]string{"-d", hostCIDR(s.wireGuardIP)}, comment("Kilo: do not NAT packets destined for WireGuared IPs")...), "-j", "RETURN")...)
		for _, a := range s.allowedIPs {
			add(true, proto(a.IP), "nat", "KILO-NAT", append(append([]string{"-d", a.String()}, comment("Kilo: do not NAT packets destined for known IPs")...), "-j", "RETURN")...)
		}
		if s.location == t.location {
			for _, a := range s.allowedLocIP {
				add(true, proto(a.IP), "nat", "POSTROUTING", append(append([]string{"-d", a.String()}, comment("Kilo: jump to NAT chain")...), "-j", "KILO-NAT")...)
			}
		}
	}
	for _, p := range t.peers {
		for _, a := range p {
			add(true, proto(a.IP), "nat", "POSTROUTING", append(append([]string{"-s", a.String()}, comment("Kilo: jump to NAT chain")...), "-j", "KILO-NAT")...)
			add(true, proto(a.IP), "nat", "KILO-NAT", append(append([]string{"-d", a.String()}, comment("Kilo: do not NAT packets destined for peers")...), "-j", "RETURN")...)
		}
	}
	for _, s := range t.services {
		add(false, proto(s.IP), "nat", "KILO-NAT", append(append([]string{"-d", s.String()}, comment("Kilo: do not NAT packets destined for service CIDRs")...), "-j", "RETURN")...)
	}
	add(false, v4, "nat", "KILO-NAT", append(comment("Kilo: NAT remaining packets"), "-j", "MASQUERADE")...)
	add(false, v6, "nat", "KILO-NAT", append(comment("Kilo: NAT remaining packets"), "-j", "MASQUERADE")...)
	// The IPIP encapsulation's rules, prepended to the mesh's in Kilo's
	// Set (encapsulation rules first).
	mesh := out
	out = nil
	add(false, v4, "filter", "KILO-IPIP")
	add(false, v6, "filter", "KILO-IPIP")
	add(false, v4, "filter", "INPUT", append(append([]string{"-p", "4"}, comment("Kilo: jump to IPIP chain")...), "-j", "KILO-IPIP")...)
	add(false, v6, "filter", "INPUT", append(append([]string{"-p", "4"}, comment("Kilo: jump to IPIP chain")...), "-j", "KILO-IPIP")...)
	for _, n := range t.nodes {
		add(true, proto(n.IP), "filter", "KILO-IPIP", append(append([]string{"-s", n.String()}, comment("Kilo: allow IPIP traffic")...), "-j", "ACCEPT")...)
	}
	add(false, v4, "filter", "INPUT", append(append([]string{"-p", "4"}, comment("Kilo: reject other IPIP traffic")...), "-j", "DROP")...)
	add(false, v6, "filter", "INPUT", append(append([]string{"-p", "4"}, comment("Kilo: reject other IPIP traffic")...), "-j", "DROP")...)
	return append(out, mesh...)
}

// build returns the rules made by one package's constructors, split into
// prepend and append rules.
func build[R any](rules []kiloRule, newRule func(p iptables.Protocol, table, chain string, spec ...string) R, v4Chain, v6Chain func(table, name string) R) (prepend, appendRules []R) {
	for _, r := range rules {
		var x R
		switch {
		case r.spec != nil:
			x = newRule(r.proto, r.table, r.chain, r.spec...)
		case r.proto == iptables.ProtocolIPv6:
			x = v6Chain(r.table, r.chain)
		default:
			x = v4Chain(r.table, r.chain)
		}
		if r.prepend {
			prepend = append(prepend, x)
		} else {
			appendRules = append(appendRules, x)
		}
	}
	return prepend, appendRules
}

// kiloRuleSet returns the rules as Kilo hands them to Set, built anew (as
// Kilo rebuilds them for every Set).
func kiloRuleSet(rules []kiloRule) iptables.RuleSet {
	return ruleSet(build(rules, iptables.NewRule, iptables.NewIPv4Chain, iptables.NewIPv6Chain))
}

// controllerRules returns the same rules for the controller package.
func controllerRules(rules []kiloRule) (prepend, appendRules []controller.Rule) {
	return build(rules, controller.NewRule, controller.NewIPv4Chain, controller.NewIPv6Chain)
}

// countRules counts the rules (not the chains) of a list.
func countRules(rules []kiloRule) int {
	n := 0
	for _, r := range rules {
		if r.spec != nil {
			n++
		}
	}
	return n
}
