package netnstest

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Interface names inside the topology's namespaces.
const (
	ClientIf  = "c0" // client's side of the client–router link
	RouterIn  = "r0" // router's side of the client–router link
	RouterOut = "r1" // router's side of the router–server link
	ServerIf  = "s0" // server's side of the router–server link
)

// Addrs are the addresses of one family in a Topo.
type Addrs struct {
	// ClientNet is the client–router link, ServerNet the router–server
	// link; ExtraNet is a second network on the server, routed through
	// ServerNet, so that rules can tell two destinations apart.
	ClientNet, ServerNet, ExtraNet netip.Prefix
	// Client is the client's address; RouterIn and RouterOut are the
	// router's addresses on the client and server links; Server and
	// ServerExtra are the server's addresses in ServerNet and ExtraNet.
	Client, RouterIn, RouterOut, Server, ServerExtra netip.Addr
}

// Topo is three namespaces in a line: client – router – server, joined by
// veth pairs, with IPv4 and IPv6 addresses, forwarding on the router and
// routes in place. Everything lives inside the namespaces and is deleted
// with them when the test ends.
type Topo struct {
	Client, Router, Server *NS
	V4, V6                 Addrs
}

// Family returns the addresses of IPv6 when v6 is set, else of IPv4.
func (tp *Topo) Family(v6 bool) Addrs {
	if v6 {
		return tp.V6
	}
	return tp.V4
}

// TopoV4 and TopoV6 are the addresses every Topo uses.
var (
	TopoV4 = Addrs{
		ClientNet:   netip.MustParsePrefix("10.200.1.0/24"),
		ServerNet:   netip.MustParsePrefix("10.200.2.0/24"),
		ExtraNet:    netip.MustParsePrefix("10.200.3.0/24"),
		Client:      netip.MustParseAddr("10.200.1.2"),
		RouterIn:    netip.MustParseAddr("10.200.1.1"),
		RouterOut:   netip.MustParseAddr("10.200.2.1"),
		Server:      netip.MustParseAddr("10.200.2.2"),
		ServerExtra: netip.MustParseAddr("10.200.3.2"),
	}
	TopoV6 = Addrs{
		ClientNet:   netip.MustParsePrefix("fd00:200:1::/64"),
		ServerNet:   netip.MustParsePrefix("fd00:200:2::/64"),
		ExtraNet:    netip.MustParsePrefix("fd00:200:3::/64"),
		Client:      netip.MustParseAddr("fd00:200:1::2"),
		RouterIn:    netip.MustParseAddr("fd00:200:1::1"),
		RouterOut:   netip.MustParseAddr("fd00:200:2::1"),
		Server:      netip.MustParseAddr("fd00:200:2::2"),
		ServerExtra: netip.MustParseAddr("fd00:200:3::2"),
	}
)

// Topology creates a client – router – server topology for one test. It
// needs root and the ip command (iproute2).
func Topology(t testing.TB) *Topo {
	t.Helper()
	RequireRoot(t)
	RequireBinary(t, "ip")
	tp := &Topo{Client: New(t), Router: New(t), Server: New(t), V4: TopoV4, V6: TopoV6}
	for _, ns := range []*NS{tp.Client, tp.Router, tp.Server} {
		// No duplicate address detection: addresses are usable at once.
		ns.sysctl(t, "net/ipv6/conf/all/accept_dad", "0")
		ns.sysctl(t, "net/ipv6/conf/default/accept_dad", "0")
		ns.ip(t, "link", "set", "lo", "up")
	}
	tp.Router.sysctl(t, "net/ipv4/ip_forward", "1")
	tp.Router.sysctl(t, "net/ipv6/conf/all/forwarding", "1")

	tp.Client.ip(t, "link", "add", ClientIf, "type", "veth", "peer", "name", RouterIn, "netns", tp.Router.Name)
	tp.Router.ip(t, "link", "add", RouterOut, "type", "veth", "peer", "name", ServerIf, "netns", tp.Server.Name)
	// The links go away with their namespaces; deleting them explicitly
	// first makes a failure to do so visible.
	t.Cleanup(func() {
		for _, l := range []struct {
			ns  *NS
			dev string
		}{{tp.Client, ClientIf}, {tp.Router, RouterOut}} {
			if out, err := l.ns.runIP("link", "del", l.dev); err != nil {
				t.Errorf("deleting %s in %s: %v\n%s", l.dev, l.ns, err, out)
			}
		}
	})

	for _, a := range []Addrs{tp.V4, tp.V6} {
		tp.Client.addAddr(t, ClientIf, a.Client, a.ClientNet)
		tp.Router.addAddr(t, RouterIn, a.RouterIn, a.ClientNet)
		tp.Router.addAddr(t, RouterOut, a.RouterOut, a.ServerNet)
		tp.Server.addAddr(t, ServerIf, a.Server, a.ServerNet)
		tp.Server.addAddr(t, ServerIf, a.ServerExtra, a.ExtraNet)
	}
	tp.Client.ip(t, "link", "set", ClientIf, "up")
	tp.Router.ip(t, "link", "set", RouterIn, "up")
	tp.Router.ip(t, "link", "set", RouterOut, "up")
	tp.Server.ip(t, "link", "set", ServerIf, "up")
	for _, a := range []Addrs{tp.V4, tp.V6} {
		tp.Client.route(t, "default", a.RouterIn)
		tp.Server.route(t, "default", a.RouterOut)
		tp.Router.route(t, a.ExtraNet.String(), a.Server)
	}
	return tp
}

// addAddr gives dev the address addr with net's prefix length; IPv6
// addresses skip duplicate address detection.
func (n *NS) addAddr(t testing.TB, dev string, addr netip.Addr, net netip.Prefix) {
	t.Helper()
	args := []string{"addr", "add", netip.PrefixFrom(addr, net.Bits()).String(), "dev", dev}
	if addr.Is6() {
		args = append(args, "nodad")
	}
	n.ip(t, args...)
}

// route adds a route to dst ("default" or a prefix) via gw.
func (n *NS) route(t testing.TB, dst string, gw netip.Addr) {
	t.Helper()
	fam := "-4"
	if gw.Is6() {
		fam = "-6"
	}
	n.ip(t, fam, "route", "add", dst, "via", gw.String())
}

// ip runs `ip -n NAME args...` and fails the test on error.
func (n *NS) ip(t testing.TB, args ...string) {
	t.Helper()
	if out, err := n.runIP(args...); err != nil {
		t.Fatalf("ip -n %s %s: %v\n%s", n.Name, strings.Join(args, " "), err, out)
	}
}

func (n *NS) runIP(args ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput()
}

// sysctl writes a value under /proc/sys inside the namespace (the net
// sysctls are per namespace) and reads it back.
func (n *NS) sysctl(t testing.TB, key, value string) {
	t.Helper()
	err := n.Do(func() error {
		p := "/proc/sys/" + key
		if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
			return err
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(got)) != value {
			return fmt.Errorf("reads back %q", strings.TrimSpace(string(got)))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("sysctl %s=%s in %s: %v", key, value, n, err)
	}
}
