package nft

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// noAddrSpecs negate a /0 address or the "+" interface, which never match
// in iptables-legacy, and drop; a last rule accepts and counts what
// reaches it.
var noAddrSpecs = map[rule.Family][]string{
	rule.IPv4: {`! -s 0.0.0.0/0 -p udp -j DROP`, `! -d 0.0.0.0/0 -p udp -j DROP`, `! -o + -p udp -j DROP`, `-p udp -j ACCEPT`},
	rule.IPv6: {`! -s ::/0 -p udp -j DROP`, `! -d ::/0 -p udp -j DROP`, `! -o + -p udp -j DROP`, `-p udp -j ACCEPT`},
}

var saveRuleRe = regexp.MustCompile(`(?m)^\[\d+:\d+\] -A OUTPUT .*$`)

// outputRules is the -A OUTPUT lines of `TOOL-save -c` for both families,
// with their counters.
func outputRules(ns *netnstest.NS, tool string) string {
	out := ns.Exec(tool+"-save", "-c") + ns.Exec(strings.Replace(tool, "iptables", "ip6tables", 1)+"-save", "-c")
	return strings.Join(saveRuleRe.FindAllString(out, -1), "\n")
}

// sendUDP sends a datagram to 127.0.0.1 and to ::1 from ns; a drop fails.
func sendUDP(t *testing.T, ns *netnstest.NS) {
	t.Helper()
	for _, to := range []string{"127.0.0.1:9", "[::1]:9"} {
		err := ns.Do(func() error {
			c, err := net.Dial("udp", to)
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("x"))
			return err
		})
		if errors.Is(err, syscall.EPERM) {
			t.Errorf("a datagram to %s was dropped", to)
		} else if err != nil {
			t.Fatalf("sending to %s: %v", to, err)
		}
	}
}

// TestPlacementNoAddr places "! -s 0.0.0.0/0" and "! -d ::/0": datagrams
// pass them uncounted, as with iptables-legacy; iptables-nft-save prints
// the rules, with their counters, as iptables-legacy-save does; they
// converge and read back.
func TestPlacementNoAddr(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip")
	legacy := netnstest.New(t)
	legacy.Exec("ip", "link", "set", "lo", "up")
	for fam, tool := range map[rule.Family]string{rule.IPv4: "iptables-legacy", rule.IPv6: "ip6tables-legacy"} {
		for _, s := range noAddrSpecs[fam] {
			legacy.Exec(tool, append([]string{"-A", "OUTPUT"}, parsed(t, fam, s).Args()...)...)
		}
	}
	sendUDP(t, legacy)
	want := outputRules(legacy, "iptables-legacy")

	ns := netnstest.New(t)
	ns.Exec("ip", "link", "set", "lo", "up")
	b, _ := newBackend(t, ns, WithPlacement("filter"))
	rs := &firewall.Ruleset{}
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		rs.Chains = append(rs.Chains, chain(t, fam, "filter", "OUTPUT", "", noAddrSpecs[fam]...))
	}
	apply(t, b, rs)
	sendUDP(t, ns)
	// iptables-nft-save prints the rules as xt_iprange negating every
	// address, which counts as iptables-legacy's rules count, and which
	// iptables-nft-restore (a host's saved tables at boot) takes back.
	saved := outputRules(ns, "iptables-nft")
	if counts(saved) != counts(want) || !strings.Contains(saved, "[0:0] -A OUTPUT -p udp -m iprange ! --src-range 0.0.0.0-255.255.255.255 -j DROP") || strings.Contains(saved, "[0:0] -A OUTPUT -p udp -j ACCEPT") {
		t.Errorf("iptables-nft-save -c:\n%s\niptables-legacy-save -c:\n%s", saved, want)
	}
	for _, tool := range []string{"iptables-nft", "ip6tables-nft"} {
		saved := writeTemp(t, ns.Exec(tool+"-save"))
		netnstest.New(t).Exec("sh", "-c", tool+"-restore < "+saved)
	}
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %s", p)
	}
	got, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g, w := rulesetText(got), rulesetText(rs); g != w {
		t.Errorf("Read:\n%s\nwant\n%s", g, w)
	}
	if p := apply(t, b, got); !p.Empty() {
		t.Errorf("what Read returns is not what was applied: %s", p)
	}
}

// counts is the [packets:bytes] of each line of rules, in order.
func counts(rules string) string {
	return strings.Join(regexp.MustCompile(`(?m)^\[\d+:\d+\]`).FindAllString(rules, -1), " ")
}
