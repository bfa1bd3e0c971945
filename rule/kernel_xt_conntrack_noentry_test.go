package rule

import (
	"fmt"
	"os/exec"
)

// untrackedUDPTo makes UDP to port 9 untracked (a NOTRACK rule in
// iptables-legacy's raw OUTPUT, which both installations' packets pass),
// then sends n datagrams.
func untrackedUDPTo(n int) func() error {
	return func() error {
		if out, err := exec.Command("iptables-legacy", "-t", "raw", "-A", "OUTPUT", "-p", "udp", "--dport", "9", "-j", "NOTRACK").CombinedOutput(); err != nil {
			return fmt.Errorf("NOTRACK: %v: %s", err, out)
		}
		return udpTo(n)()
	}
}

// A packet without a conntrack entry passes a --ctstate that names
// UNTRACKED (or INVALID), and xt_conntrack then tests none of its other
// options; nft's ct tests of those options fail without an entry. Such a
// match is installed as xt_conntrack (found by the packet property test,
// seed 14: --ctstate NEW,INVALID --ctdir ORIGINAL in raw PREROUTING).
func init() {
	fallbackPacketCases = append(fallbackPacketCases, []struct {
		name, args string
		n, want    int
		send       func() error
	}{
		{"untracked, direction", "-p udp --dport 9 -m conntrack --ctstate UNTRACKED --ctdir REPLY", 0, 3, untrackedUDPTo(3)},
		{"untracked, protocol", "-p udp --dport 9 -m conntrack --ctstate UNTRACKED,NEW --ctproto tcp", 0, 3, untrackedUDPTo(3)},
		{"not established, status", "-p udp --dport 9 -m conntrack ! --ctstate ESTABLISHED --ctstatus ASSURED", 0, 3, untrackedUDPTo(3)},
	}...)
}

// SNAT or DNAT among other states with a negated --ctstatus was refused
// (the property test, seed 10): it runs as xt_conntrack too.
var xtConntrackNATCases = []xtCase{
	{IPv6, "filter", "OUTPUT", "-p tcp -m conntrack --ctstate NEW,DNAT ! --ctstatus EXPECTED,SEEN_REPLY"},
}

func init() { xtCases = append(xtCases, xtConntrackNATCases...) }
