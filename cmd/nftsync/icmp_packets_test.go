package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// icmpCountingRules count locally sent ICMP messages by type and code.
var icmpCountingRules = map[bool]string{
	false: `*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -p icmp --icmp-type 3/4
-A OUTPUT -p icmp ! --icmp-type 3/4
-A OUTPUT -p icmp --icmp-type frag
-A OUTPUT -p icmp --icmp-type 3
-A OUTPUT -p icmp -m icmp ! --icmp-type port-unreachable
COMMIT
`,
	true: `*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -p ipv6-icmp --icmpv6-type 1/3
-A OUTPUT -p ipv6-icmp ! --icmpv6-type address-unreachable
-A OUTPUT -p ipv6-icmp --icmpv6-type 1
COMMIT
`,
}

// TestICMPCodesPackets sends ICMP messages of several types and codes in a
// namespace where the same counting rules are installed by nftsync and by
// iptables-legacy: every rule must count the same packets.
func TestICMPCodesPackets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	for _, v6 := range []bool{false, true} {
		ns := netnstest.New(t)
		ns.Exec("ip", "link", "set", "lo", "up")
		f := writeFile(t, "icmp.rules", icmpCountingRules[v6])
		fam, legacy, restore := "-4", "iptables-legacy-save", "iptables-legacy-restore"
		if v6 {
			fam, legacy, restore = "-6", "ip6tables-legacy-save", "ip6tables-legacy-restore"
		}
		mustRun(t, 0, ns, "", "apply", "--backend", "nftables", fam, f)
		ns.Exec("sh", "-c", restore+" < "+f)
		// type, code of each message sent
		msgs := [][2]byte{{3, 4}, {3, 3}, {8, 0}, {3, 4}, {11, 0}}
		network, dst := "ip4:icmp", "127.0.0.1"
		if v6 {
			msgs = [][2]byte{{1, 3}, {1, 4}, {128, 0}, {1, 3}, {2, 0}}
			network, dst = "ip6:ipv6-icmp", "::1"
		}
		err := ns.Do(func() error {
			c, err := net.ListenPacket(network, "")
			if err != nil {
				return err
			}
			defer c.Close()
			for _, m := range msgs {
				b := []byte{m[0], m[1], 0, 0, 0, 0, 0, 0}
				if !v6 {
					sum := netnstest.ICMPChecksum(b)
					b[2], b[3] = byte(sum>>8), byte(sum)
				}
				if _, err := c.WriteTo(b, &net.IPAddr{IP: net.ParseIP(dst)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var ours []int
		for _, m := range regexp.MustCompile(`counter packets (\d+)`).FindAllStringSubmatch(ns.Exec("nft", "list", "chain", map[bool]string{false: "ip", true: "ip6"}[v6], "test-filter", "OUTPUT"), -1) {
			n, _ := strconv.Atoi(m[1])
			ours = append(ours, n)
		}
		var theirs []int
		for _, m := range regexp.MustCompile(`(?m)^\[(\d+):\d+\] -A OUTPUT`).FindAllStringSubmatch(ns.Exec(legacy, "-c", "-t", "filter"), -1) {
			n, _ := strconv.Atoi(m[1])
			theirs = append(theirs, n)
		}
		if n := strings.Count(icmpCountingRules[v6], "-A "); len(ours) != n || len(theirs) != n {
			t.Fatalf("v6=%v: counters of %d rules (nftsync) and %d (iptables-legacy)", v6, len(ours), len(theirs))
		}
		total := 0
		for _, n := range theirs {
			total += n
		}
		if total == 0 {
			t.Fatalf("v6=%v: iptables-legacy counted no packet: the messages were not sent", v6)
		}
		t.Logf("v6=%v: packets per rule: nftsync %v, iptables-legacy %v", v6, ours, theirs)
		if strings.Join(intsText(ours), " ") != strings.Join(intsText(theirs), " ") {
			t.Errorf("v6=%v: packets per rule: nftsync %v, iptables-legacy %v", v6, ours, theirs)
		}
	}
}

func intsText(ns []int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return out
}
