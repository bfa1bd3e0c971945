package rule

import (
	"net"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// IPv6 addrtype runs as ip6t_addrtype itself: it tests the address class
// for UNICAST, MULTICAST and UNSPEC and wants every given type to hold,
// where nft's fib reads route types, one of which must hold.
var xtAddrType6Cases = []xtCase{
	{IPv6, "filter", "INPUT", "-m addrtype --src-type LOCAL --dst-type UNICAST,MULTICAST"},
	{IPv6, "filter", "FORWARD", "-m addrtype --dst-type LOCAL,UNICAST"},
	{IPv6, "filter", "OUTPUT", "-m addrtype ! --src-type MULTICAST --limit-iface-out"},
}

func init() { xtCases = append(xtCases, xtAddrType6Cases...) }

// TestKernelAddrType6Packets counts datagrams to ::1 in ip6tables-legacy
// and in nftsync's rule: with "--dst-type MULTICAST,LOCAL" (::1 is local
// but not multicast) ip6t_addrtype counts none, where nft's "fib daddr
// type { multicast, local }" would count them all; with LOCAL alone both
// count them.
func TestKernelAddrType6Packets(t *testing.T) {
	netnstest.RequireBinary(t, "ip6tables-legacy")
	send := func() error {
		for range 3 {
			c, err := net.Dial("udp", "[::1]:9")
			if err != nil {
				return err
			}
			_, err = c.Write([]byte("x"))
			c.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	for args, want := range map[string]int{
		"-p udp --dport 9 -m addrtype --dst-type MULTICAST,LOCAL": 0,
		"-p udp --dport 9 -m addrtype --dst-type LOCAL":           3,
	} {
		legacy, ours := countBothFam(t, IPv6, args, args, true, send)
		if legacy != want || ours != legacy {
			t.Errorf("%s: ip6tables-legacy counted %d, nftsync's rule %d; want %d", args, legacy, ours, want)
		}
	}
}
