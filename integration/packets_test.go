package integration

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// outcome is what a probe must produce.
type outcome int

const (
	blocked    outcome = iota // nothing comes back
	fromClient                // the server sees the client's own address
	fromRouter                // the server sees the router (masqueraded)
)

// want turns an outcome into the address the server must see (the zero
// Addr for blocked).
func (o outcome) want(a netnstest.Addrs) netip.Addr {
	switch o {
	case fromClient:
		return a.Client
	case fromRouter:
		return a.RouterOut
	}
	return netip.Addr{}
}

// packetProbe is one connection from the client: protocol, whether it goes
// to the server's second network (ExtraNet) instead of ServerNet, and the
// outcome.
type packetProbe struct {
	proto string
	extra bool
	want  outcome
}

// packetCase is a rule list for the router (written once, per family) and
// the probes it must produce, run in both families.
type packetCase struct {
	name   string
	rules  func(p controller.Protocol, a netnstest.Addrs) []controller.Rule
	probes []packetProbe
}

var portArg = strconv.Itoa(port)

// fwd is a filter FORWARD rule from the client network to the server
// network with extra arguments.
func fwd(p controller.Protocol, a netnstest.Addrs, spec ...string) controller.Rule {
	return controller.NewRule(p, "filter", "FORWARD", append([]string{"-s", a.ClientNet.String(), "-d", a.ServerNet.String()}, spec...)...)
}

// natChain declares a nat chain of the family.
func natChain(p controller.Protocol, name string) controller.Rule {
	if p == controller.ProtocolIPv6 {
		return controller.NewIPv6Chain("nat", name)
	}
	return controller.NewIPv4Chain("nat", name)
}

var packetCases = []packetCase{
	{
		name:  "empty rule list",
		rules: func(controller.Protocol, netnstest.Addrs) []controller.Rule { return nil },
		probes: []packetProbe{
			{"tcp", false, fromClient}, {"udp", false, fromClient},
		},
	},
	{
		name: "drop",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{fwd(p, a, "-j", "DROP")}
		},
		// The router's own FORWARD policy stays ACCEPT: ExtraNet passes.
		probes: []packetProbe{
			{"tcp", false, blocked}, {"udp", false, blocked},
			{"tcp", true, fromClient}, {"udp", true, fromClient},
		},
	},
	{
		name: "accept tcp before drop",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{
				fwd(p, a, "-p", "tcp", "--dport", portArg, "-j", "ACCEPT"),
				fwd(p, a, "-j", "DROP"),
			}
		},
		probes: []packetProbe{{"tcp", false, fromClient}, {"udp", false, blocked}},
	},
	{
		name: "accept udp before drop",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{
				fwd(p, a, "-p", "udp", "--dport", portArg, "-j", "ACCEPT"),
				fwd(p, a, "-j", "DROP"),
			}
		},
		probes: []packetProbe{{"tcp", false, blocked}, {"udp", false, fromClient}},
	},
	{
		name: "drop before accept",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{
				fwd(p, a, "-j", "DROP"),
				fwd(p, a, "-p", "tcp", "--dport", portArg, "-j", "ACCEPT"),
			}
		},
		probes: []packetProbe{{"tcp", false, blocked}, {"udp", false, blocked}},
	},
	{
		name: "masquerade",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{
				controller.NewRule(p, "nat", "POSTROUTING", "-s", a.ClientNet.String(), "-o", netnstest.RouterOut, "-j", "MASQUERADE"),
			}
		},
		probes: []packetProbe{
			{"tcp", false, fromRouter}, {"udp", false, fromRouter},
			{"tcp", true, fromRouter}, {"udp", true, fromRouter},
		},
	},
	{
		name: "KILO-NAT return skips masquerade",
		rules: func(p controller.Protocol, a netnstest.Addrs) []controller.Rule {
			return []controller.Rule{
				natChain(p, "KILO-NAT"),
				controller.NewRule(p, "nat", "POSTROUTING", "-s", a.ClientNet.String(), "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"),
				controller.NewRule(p, "nat", "KILO-NAT", "-d", a.ServerNet.String(), "-j", "RETURN"),
				controller.NewRule(p, "nat", "KILO-NAT", "-j", "MASQUERADE"),
			}
		},
		probes: []packetProbe{
			{"tcp", false, fromClient}, {"udp", false, fromClient},
			{"tcp", true, fromRouter}, {"udp", true, fromRouter},
		},
	},
}

// caseRules is a case's rules for IPv4 followed by those for IPv6.
func caseRules(pc packetCase) []controller.Rule {
	return append(pc.rules(controller.ProtocolIPv4, netnstest.TopoV4), pc.rules(controller.ProtocolIPv6, netnstest.TopoV6)...)
}

// runProbes checks every probe of pc in both families.
func (n *network) runProbes(t *testing.T, probes []packetProbe) {
	t.Helper()
	for _, v6 := range []bool{false, true} {
		a := n.Family(v6)
		for _, p := range probes {
			dst := a.Server
			if p.extra {
				dst = a.ServerExtra
			}
			n.expect(t, p.proto, dst, p.want.want(a))
		}
	}
}

// TestPackets installs each case's rules on the router and checks real TCP
// and UDP traffic from the client to the server, IPv4 and IPv6.
func TestPackets(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		for _, pc := range packetCases {
			t.Run(pc.name, func(t *testing.T) {
				// Blocked probes wait out their timeout; the cases
				// have namespaces of their own and can wait together.
				t.Parallel()
				n := newNetwork(t)
				f := newFixture(t, backend, n.Router)
				f.set(t, caseRules(pc))
				n.runProbes(t, pc.probes)
			})
		}
	})
}

// TestPacketsAcrossSets replaces the rule list on one router several times
// and checks that the traffic follows each new list, ending with CleanUp.
func TestPacketsAcrossSets(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		n := newNetwork(t)
		f := newFixture(t, backend, n.Router)
		for _, name := range []string{"drop", "accept tcp before drop", "KILO-NAT return skips masquerade", "masquerade", "accept udp before drop"} {
			pc := packetCaseNamed(t, name)
			f.set(t, caseRules(pc))
			t.Run(pc.name, func(t *testing.T) { n.runProbes(t, pc.probes) })
		}
		if err := f.ctl.CleanUp(); err != nil {
			t.Fatalf("CleanUp: %v", err)
		}
		n.runProbes(t, packetCaseNamed(t, "empty rule list").probes)
	})
}

func packetCaseNamed(t *testing.T, name string) packetCase {
	t.Helper()
	for _, pc := range packetCases {
		if pc.name == name {
			return pc
		}
	}
	t.Fatalf("no packet case %q", name)
	return packetCase{}
}
