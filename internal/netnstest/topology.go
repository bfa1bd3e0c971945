package netnstest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
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
// needs root; links, addresses and routes are made over rtnetlink
// (vishvananda/netlink), no `ip` command is run.
func Topology(t testing.TB) *Topo {
	t.Helper()
	RequireRoot(t)
	tp := &Topo{Client: New(t), Router: New(t), Server: New(t), V4: TopoV4, V6: TopoV6}
	for _, ns := range []*NS{tp.Client, tp.Router, tp.Server} {
		// No duplicate address detection: addresses are usable at once.
		ns.sysctl(t, "net/ipv6/conf/all/accept_dad", "0")
		ns.sysctl(t, "net/ipv6/conf/default/accept_dad", "0")
		ns.linkUp(t, "lo")
	}
	tp.Router.sysctl(t, "net/ipv4/ip_forward", "1")
	tp.Router.sysctl(t, "net/ipv6/conf/all/forwarding", "1")

	tp.Client.veth(t, ClientIf, RouterIn, tp.Router)
	tp.Router.veth(t, RouterOut, ServerIf, tp.Server)
	// The links go away with their namespaces; deleting them explicitly
	// first makes a failure to do so visible.
	t.Cleanup(func() {
		for _, l := range []struct {
			ns  *NS
			dev string
		}{{tp.Client, ClientIf}, {tp.Router, RouterOut}} {
			err := l.ns.withLink(l.dev, func(h *netlink.Handle, link netlink.Link) error { return h.LinkDel(link) })
			if err != nil {
				t.Errorf("deleting %s in %s: %v", l.dev, l.ns, err)
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
	tp.Client.linkUp(t, ClientIf)
	tp.Router.linkUp(t, RouterIn)
	tp.Router.linkUp(t, RouterOut)
	tp.Server.linkUp(t, ServerIf)
	for _, a := range []Addrs{tp.V4, tp.V6} {
		tp.Client.route(t, netip.Prefix{}, a.RouterIn)
		tp.Server.route(t, netip.Prefix{}, a.RouterOut)
		tp.Router.route(t, a.ExtraNet, a.Server)
	}
	return tp
}

// rtnl runs fn with an rtnetlink handle inside the namespace.
func (n *NS) rtnl(fn func(h *netlink.Handle) error) error {
	ns := n.Handle()
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("rtnetlink in %s: %w", n, err)
	}
	defer h.Close()
	return fn(h)
}

// withLink runs fn on the link named dev inside the namespace.
func (n *NS) withLink(dev string, fn func(h *netlink.Handle, link netlink.Link) error) error {
	return n.rtnl(func(h *netlink.Handle) error {
		link, err := h.LinkByName(dev)
		if err != nil {
			return fmt.Errorf("link %s: %w", dev, err)
		}
		return fn(h, link)
	})
}

// veth creates the veth pair dev (here) – peer (in the namespace other).
func (n *NS) veth(t testing.TB, dev, peer string, other *NS) {
	t.Helper()
	o := other.Handle()
	defer o.Close()
	err := n.rtnl(func(h *netlink.Handle) error {
		return h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: dev}, PeerName: peer, PeerNamespace: netlink.NsFd(o)})
	})
	if err != nil {
		t.Fatalf("veth %s (%s) – %s (%s): %v", dev, n, peer, other, err)
	}
}

// linkUp sets dev up.
func (n *NS) linkUp(t testing.TB, dev string) {
	t.Helper()
	if err := n.withLink(dev, func(h *netlink.Handle, l netlink.Link) error { return h.LinkSetUp(l) }); err != nil {
		t.Fatalf("setting %s up in %s: %v", dev, n, err)
	}
}

// addAddr gives dev the address addr with net's prefix length; IPv6
// addresses skip duplicate address detection.
func (n *NS) addAddr(t testing.TB, dev string, addr netip.Addr, pfx netip.Prefix) {
	t.Helper()
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(pfx.Bits(), addr.BitLen())}}
	if addr.Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := n.withLink(dev, func(h *netlink.Handle, l netlink.Link) error { return h.AddrAdd(l, a) }); err != nil {
		t.Fatalf("address %s/%d on %s in %s: %v", addr, pfx.Bits(), dev, n, err)
	}
}

// route adds a route to dst (the zero Prefix: the default route) via gw.
func (n *NS) route(t testing.TB, dst netip.Prefix, gw netip.Addr) {
	t.Helper()
	r := &netlink.Route{Gw: gw.AsSlice()}
	if dst.IsValid() {
		r.Dst = &net.IPNet{IP: dst.Addr().AsSlice(), Mask: net.CIDRMask(dst.Bits(), dst.Addr().BitLen())}
	}
	if err := n.rtnl(func(h *netlink.Handle) error { return h.RouteAdd(r) }); err != nil {
		t.Fatalf("route %v via %s in %s: %v", dst, gw, n, err)
	}
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
