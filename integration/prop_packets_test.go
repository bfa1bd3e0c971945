package integration

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/internal/rulegen"
)

// The packet half of the property test: random counting rules (matches
// only, no target) of packet-matchable classes are installed on the router
// twice, by iptables-legacy and by nftsync, side by side in the same hooks;
// the same traffic then passes both, and every rule must count the same
// packets and bytes in both.

// countingPlaces are the chains a forwarded packet passes on the router.
var countingPlaces = [][2]string{
	{"filter", "FORWARD"}, {"mangle", "PREROUTING"}, {"mangle", "FORWARD"}, {"mangle", "POSTROUTING"}, {"raw", "PREROUTING"},
}

// countingMatches are the matches whose result depends only on the packet
// and its connection, which both installations see alike (not on time,
// chance, or state shared between the two, as limit, statistic, time and
// recent do).
var countingMatches = []string{
	"tcp", "udp", "multiport", "icmp", "icmp6", "iprange", "length", "mark", "connmark", "conntrack", "state",
	"pkttype", "addrtype", "ttl", "hl", "dscp", "tos", "ecn", "comment", "mac", "cpu", "devgroup", "connbytes", "quota",
	"string", "u32", "tcpmss", "policy", "physdev", "realm", "helper", "ipv6header", "frag", "hbh", "dst", "rt",
}

func TestPropertyPackets(t *testing.T) {
	netnstest.RequireRoot(t)
	for _, b := range []string{"iptables-legacy-restore", "ip6tables-legacy-restore", "iptables-legacy-save", "ip6tables-legacy-save"} {
		netnstest.RequireBinary(t, b)
	}
	cfg := readPropConfig(t)
	for _, seed := range cfg.seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runPacketProperty(t, cfg, seed) })
	}
}

func runPacketProperty(t *testing.T, cfg propConfig, seed uint64) {
	rules := rulegen.NewCounting(seed, countingPlaces, countingMatches...).Rules(max(cfg.n/5, 10))
	legacy, _ := legacyFilter(t, netnstest.New(t), rules)
	accepted, refused := nftsyncFilter(t, netnstest.New(t), legacy)
	t.Logf("seed %d: %d counting rules, %d accepted by iptables-legacy, %d by nftsync", seed, len(rules), len(legacy), len(accepted))
	logClasses(t, "nftsync refused", refused, 50)
	if len(accepted) == 0 {
		t.Fatalf("seed %d: no counting rule left to compare", seed)
	}

	n := newNetwork(t)
	for _, v6 := range []bool{false, true} {
		if f := rulegen.NewFile(familyRules(accepted, v6)); len(f.Lines) > 0 {
			if ok, _, out := legacyRestore(n.Router, v6, f); !ok {
				t.Fatalf("iptables-legacy-restore of rules it accepted before: %s\n%s", out, f.Text)
			}
		}
	}
	d, err := parseRules(accepted)
	if err != nil {
		t.Fatalf("parsing accepted rules: %v", err)
	}
	if _, err := propBackend(t, n.Router).Apply(context.Background(), d); err != nil {
		t.Fatalf("apply: %v", err)
	}

	// The namespaces' own IPv6 traffic (MLD reports, router
	// solicitations) may pass between the two installations or reads:
	// only what the probes add between two still snapshots is compared.
	legacyBase, nftBase := counterSnapshot(t, n.Router)
	for _, v6 := range []bool{false, true} {
		a := n.Family(v6)
		for _, dst := range []netip.Addr{a.Server, a.ServerExtra} {
			// Counted, whatever the answer.
			_, _ = probe(n.Client, "tcp", dst)
			_, _ = probe(n.Client, "udp", dst)
			if err := ping(n.Client, dst); err != nil {
				t.Fatalf("ping %s: %v", dst, err)
			}
		}
	}

	legacyCounts, nftCounts := counterSnapshot(t, n.Router)
	pos := map[string]int{}
	total, hit := 0, 0
	for _, r := range accepted {
		key := chainKey(r.V6, r.Table, r.Chain)
		i := pos[key]
		pos[key]++
		lc, nc := delta(legacyCounts[key], legacyBase[key], i), delta(nftCounts[key], nftBase[key], i)
		total += lc[0]
		if lc[0] > 0 {
			hit++
		}
		if lc != nc {
			t.Errorf("seed %d (NFTSYNC_PROPTEST_SEEDS=%d NFTSYNC_PROPTEST_N=%d): %s: iptables-legacy counted %d packets, %d bytes; nftsync %d packets, %d bytes",
				seed, seed, cfg.n, r, lc[0], lc[1], nc[0], nc[1])
		}
	}
	if total == 0 {
		t.Errorf("seed %d: no rule counted any packet: the comparison proves nothing", seed)
	}
	t.Logf("seed %d: %d rules compared, %d of them counted packets, %d packets in all", seed, len(accepted), hit, total)
}

// ping sends one ICMP echo request from ns to dst over a raw socket and
// waits briefly for the reply (a lost reply is not an error: the request was
// counted).
func ping(ns *netnstest.NS, dst netip.Addr) error {
	return ns.Do(func() error {
		network, typ := "ip4:icmp", byte(8)
		if dst.Is6() {
			network, typ = "ip6:ipv6-icmp", 128 // the kernel fills in the ICMPv6 checksum
		}
		c, err := net.ListenPacket(network, "")
		if err != nil {
			return err
		}
		defer c.Close()
		msg := []byte{typ, 0, 0, 0, 0x12, 0x34, 0, 1, 'n', 'f', 't', 's'}
		if !dst.Is6() {
			sum := netnstest.ICMPChecksum(msg)
			msg[2], msg[3] = byte(sum>>8), byte(sum)
		}
		if _, err := c.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(probeTimeout))
		buf := make([]byte, 1500)
		_, _, _ = c.ReadFrom(buf)
		return nil
	})
}

func familyRules(rules []rulegen.Rule, v6 bool) []rulegen.Rule {
	var out []rulegen.Rule
	for _, r := range rules {
		if r.V6 == v6 {
			out = append(out, r)
		}
	}
	return out
}

// delta returns counts[i] - base[i], or {-1, -1} when the rule is missing.
func delta(counts, base [][2]int, i int) [2]int {
	if i < len(counts) && i < len(base) && counts[i][0] >= 0 {
		return [2]int{counts[i][0] - base[i][0], counts[i][1] - base[i][1]}
	}
	return [2]int{-1, -1}
}

// counterSnapshot reads both installations' counters at a moment no packet
// passed: nftsync's before and after iptables-legacy's must agree, else it
// reads again.
func counterSnapshot(t *testing.T, ns *netnstest.NS) (legacy, nft map[string][][2]int) {
	t.Helper()
	for try := 0; try < 50; try++ {
		before := nftCounters(t, ns)
		legacy = legacyCounters(t, ns)
		if nft = nftCounters(t, ns); reflect.DeepEqual(before, nft) {
			return legacy, nft
		}
	}
	t.Fatalf("the counters never stood still while read")
	return nil, nil
}

var saveCounter = regexp.MustCompile(`^\[(\d+):(\d+)\] -A (\S+)`)

// legacyCounters reads every rule's counters from iptables-legacy-save -c,
// keyed "V6 TABLE CHAIN", in chain order.
func legacyCounters(t *testing.T, ns *netnstest.NS) map[string][][2]int {
	t.Helper()
	out := map[string][][2]int{}
	for _, v6 := range []bool{false, true} {
		bin := "iptables-legacy-save"
		if v6 {
			bin = "ip6tables-legacy-save"
		}
		table := ""
		for _, l := range strings.Split(ns.Exec(bin, "-c"), "\n") {
			if strings.HasPrefix(l, "*") {
				table = l[1:]
			}
			if m := saveCounter.FindStringSubmatch(l); m != nil {
				key := chainKey(v6, table, m[3])
				var p, b int
				fmt.Sscan(m[1], &p)
				fmt.Sscan(m[2], &b)
				out[key] = append(out[key], [2]int{p, b})
			}
		}
	}
	return out
}

// nftCounters reads the counter of every rule in the owner's tables, keyed
// like legacyCounters.
func nftCounters(t *testing.T, ns *netnstest.NS) map[string][][2]int {
	t.Helper()
	out := map[string][][2]int{}
	for key, rs := range mergeSegments(ownedRules(t, ns)) {
		for _, r := range rs {
			n := [2]int{-1, -1} // a rule without a counter
			if r.counted {
				n = [2]int{r.packets, r.bytes}
			}
			out[key] = append(out[key], n)
		}
	}
	return out
}
