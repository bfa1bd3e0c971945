package integration

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// The README's caveat "an accept is only final within its own table", with
// real packets: iptables' filter FORWARD has policy DROP (as Docker sets
// it) and the controller is asked to accept the client network.

// iptNFT is the iptables-nft binary of a family: the tool that sets the
// DROP policy and, for the remedy, adds the host admin's accept.
func iptNFT(v6 bool) string {
	if v6 {
		return "ip6tables-nft"
	}
	return "iptables-nft"
}

// clientNetRules is, per family, a FORWARD rule with target for each of
// dirs: "-s" matches everything from the client network, "-d" everything to
// it. Kilo has both for the pod subnet: under a DROP policy the replies
// need an accept of their own.
func clientNetRules(target string, dirs ...string) []controller.Rule {
	var rules []controller.Rule
	for _, a := range []netnstest.Addrs{netnstest.TopoV4, netnstest.TopoV6} {
		p := controller.ProtocolIPv4
		if a.Client.Is6() {
			p = controller.ProtocolIPv6
		}
		for _, dir := range dirs {
			rules = append(rules, controller.NewRule(p, "filter", "FORWARD", dir, a.ClientNet.String(), "-j", target))
		}
	}
	return rules
}

// expectAll checks TCP and UDP from the client to the server in both
// families: o is what the server must see (or blocked).
func (n *network) expectAll(t *testing.T, o outcome) {
	t.Helper()
	for _, v6 := range []bool{false, true} {
		a := n.Family(v6)
		for _, proto := range []string{"tcp", "udp"} {
			n.expect(t, proto, a.Server, o.want(a))
		}
	}
}

// assertForwardDrop checks that iptables' own filter FORWARD still has
// policy DROP in both families, so that a probe getting through is due to
// an accept and not to a policy the controller changed.
func assertForwardDrop(t *testing.T, ns *netnstest.NS, when string) {
	t.Helper()
	for _, v6 := range []bool{false, true} {
		if s := save(t, ns, v6, "filter"); !strings.Contains(s, ":FORWARD DROP") {
			t.Errorf("%s: %s filter FORWARD policy is not DROP:\n%s", when, iptNFT(v6), s)
		}
	}
}

// TestCaveatForwardPolicyDrop: with iptables-nft's FORWARD policy DROP, the
// controller's FORWARD accepts (from and to the client network) let the
// client through with the iptables backend (the accepts are in the chain
// that drops) and do not with the nftables backend (an accept ends the
// packet's way through the owner's table only), until the host's admin
// also accepts the traffic in iptables' own FORWARD; and that accept, in
// turn, does not override a drop in the owner's table. An accept of the
// client's own packets alone (-s) is not enough with either backend: the
// replies are dropped.
func TestCaveatForwardPolicyDrop(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	for _, tc := range []struct {
		backend string
		// requestPasses: with the client network's own packets
		// accepted (-s only), its requests reach the server.
		requestPasses bool
		// afterSet is what the client's traffic does once the
		// controller accepts it both ways.
		afterSet outcome
	}{
		{controller.BackendNFTables, false, blocked},
		{controller.BackendIPTables, true, fromClient},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			// Blocked probes wait out their timeout; each backend has
			// namespaces of its own.
			t.Parallel()
			n := newNetwork(t)
			f := newFixture(t, tc.backend, n.Router)
			for _, v6 := range []bool{false, true} {
				n.Router.Exec(iptNFT(v6), "-P", "FORWARD", "DROP")
			}
			// The policy alone drops everything: the probes can tell.
			n.expectAll(t, blocked)

			// One way only: the replies meet the DROP policy, so the
			// client hears nothing either way; the server's log tells
			// whether the request got through.
			f.set(t, clientNetRules("ACCEPT", "-s"))
			for _, v6 := range []bool{false, true} {
				a := n.Family(v6)
				n.expect(t, "udp", a.Server, netip.Addr{})
				if got := strings.Contains(n.srv.log(), "udp "+a.Client.String()); got != tc.requestPasses {
					t.Errorf("-s accept only: server saw the udp request from %s: %v, want %v (server log: %s)", a.Client, got, tc.requestPasses, n.srv.log())
				}
			}

			accept := clientNetRules("ACCEPT", "-s", "-d")
			f.set(t, accept)
			f.assertKeys(t, "after Set", desiredKeys(t, accept))
			assertForwardDrop(t, n.Router, "after Set")
			n.expectAll(t, tc.afterSet)
			if tc.backend != controller.BackendNFTables {
				return
			}

			// The remedy that keeps the nftables engine: the host's
			// admin accepts the client network where the drop is
			// (Docker's DOCKER-USER idea).
			for _, v6 := range []bool{false, true} {
				for _, dir := range []string{"-s", "-d"} {
					n.Router.Exec(iptNFT(v6), "-A", "FORWARD", dir, n.Family(v6).ClientNet.String(), "-j", "ACCEPT")
				}
			}
			n.expectAll(t, fromClient)

			// The other way round: the admin's accept does not
			// override a drop in the owner's table either.
			drop := clientNetRules("DROP", "-s", "-d")
			f.set(t, drop)
			f.assertKeys(t, "after Set of the drop", desiredKeys(t, drop))
			n.expectAll(t, blocked)
		})
	}
}
