package integration

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// port is where the test server listens, for TCP and UDP.
const port = 8080

// probeTimeout bounds every connection attempt and every wait for a reply.
// A DROP is silent, so a blocked probe costs exactly this long.
const probeTimeout = time.Second

// server runs in the server namespace and answers every TCP connection and
// every UDP datagram with the source address it saw, so the client learns
// whether (and how) the router translated it. It also logs what it saw.
type server struct {
	mu   sync.Mutex
	seen []string
}

func (s *server) record(proto string, a netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, proto+" "+a.String())
}

// log returns what the server has seen so far, for failure messages.
func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.seen, ", ")
}

// startServer listens on port inside ns until the test ends: TCP on every
// address, UDP on each of addrs (a socket per address, so that a reply
// leaves from the address the datagram was sent to).
func startServer(t *testing.T, ns *netnstest.NS, addrs ...netip.Addr) *server {
	t.Helper()
	var ln net.Listener
	var pcs []net.PacketConn
	err := ns.Do(func() error {
		var err error
		// Sockets belong to the namespace they were created in; they can
		// be served from any goroutine afterwards.
		if ln, err = net.Listen("tcp", fmt.Sprintf(":%d", port)); err != nil {
			return err
		}
		for _, a := range addrs {
			pc, err := net.ListenPacket("udp", netip.AddrPortFrom(a, port).String())
			if err != nil {
				return err
			}
			pcs = append(pcs, pc)
		}
		return nil
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		for _, pc := range pcs {
			pc.Close()
		}
		t.Fatalf("starting the test server in %s: %v", ns, err)
	}
	s := &server{}
	var wg sync.WaitGroup
	wg.Add(1 + len(pcs))
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
			s.record("tcp", a)
			_ = c.SetDeadline(time.Now().Add(probeTimeout))
			_, _ = io.WriteString(c, a.String()+"\n")
			c.Close()
		}
	}()
	for _, pc := range pcs {
		go func() {
			defer wg.Done()
			buf := make([]byte, 512)
			for {
				_, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				a := from.(*net.UDPAddr).AddrPort().Addr().Unmap()
				s.record("udp", a)
				_, _ = pc.WriteTo([]byte(a.String()+"\n"), from)
			}
		}()
	}
	t.Cleanup(func() {
		ln.Close()
		for _, pc := range pcs {
			pc.Close()
		}
		wg.Wait()
	})
	return s
}

// errBlocked is what probe returns when nothing came back in time: the
// packet was dropped somewhere.
var errBlocked = errors.New("no answer (blocked)")

// probe opens one TCP connection (or sends one UDP datagram) from inside ns
// to dst:port and returns the source address the server saw. It returns
// errBlocked when the attempt timed out, another error for anything else
// (refused, unreachable, garbage).
func probe(ns *netnstest.NS, proto string, dst netip.Addr) (netip.Addr, error) {
	var seen netip.Addr
	err := ns.Do(func() error {
		c, err := net.DialTimeout(proto, netip.AddrPortFrom(dst, port).String(), probeTimeout)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.SetDeadline(time.Now().Add(probeTimeout)); err != nil {
			return err
		}
		var reply []byte
		if proto == "udp" {
			if _, err := c.Write([]byte("hello")); err != nil {
				return err
			}
			buf := make([]byte, 128)
			n, err := c.Read(buf)
			if err != nil {
				return err
			}
			reply = buf[:n]
		} else if reply, err = io.ReadAll(c); err != nil {
			return err
		}
		seen, err = netip.ParseAddr(strings.TrimSpace(string(reply)))
		return err
	})
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return netip.Addr{}, errBlocked
	}
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s to %s: %w", proto, dst, err)
	}
	return seen, nil
}

// network is a topology with the test server running and both families
// verified to work end to end before any rule is installed.
type network struct {
	*netnstest.Topo
	srv *server
}

// newNetwork builds the client – router – server topology and waits (a few
// bounded attempts) until TCP goes through unchanged in both families.
func newNetwork(t *testing.T) *network {
	t.Helper()
	n := &network{Topo: netnstest.Topology(t)}
	n.srv = startServer(t, n.Server, n.V4.Server, n.V4.ServerExtra, n.V6.Server, n.V6.ServerExtra)
	for _, v6 := range []bool{false, true} {
		a := n.Family(v6)
		var seen netip.Addr
		var err error
		for try := 0; try < 5; try++ {
			if seen, err = probe(n.Client, "tcp", a.Server); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("topology not working: tcp %s -> %s: %v", a.Client, a.Server, err)
		}
		if seen != a.Client {
			t.Fatalf("topology not working: server saw %s, want %s", seen, a.Client)
		}
	}
	return n
}

// expect checks one probe: want is the source address the server must
// see, or the zero Addr when the probe must be blocked.
func (n *network) expect(t *testing.T, proto string, dst, want netip.Addr) {
	t.Helper()
	seen, err := probe(n.Client, proto, dst)
	switch {
	case !want.IsValid() && errors.Is(err, errBlocked):
	case !want.IsValid() && err == nil:
		t.Errorf("%s %s -> %s: got through (server saw %s), want blocked", proto, n.Family(dst.Is6()).Client, dst, seen)
	case err != nil && want.IsValid():
		t.Errorf("%s %s -> %s: %v, want server to see %s (server log: %s)", proto, n.Family(dst.Is6()).Client, dst, err, want, n.srv.log())
	case err != nil:
		t.Errorf("%s %s -> %s: %v, want blocked (a silent drop)", proto, n.Family(dst.Is6()).Client, dst, err)
	case seen != want:
		t.Errorf("%s %s -> %s: server saw %s, want %s", proto, n.Family(dst.Is6()).Client, dst, seen, want)
	}
}
