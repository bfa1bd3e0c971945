package nft

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

var ruleHandleRe = regexp.MustCompile(`^\s+(.*) # handle (\d+)$`)

// ruleHandles returns the handles of a chain's rules in order, each with
// the rule text (counter values removed).
func ruleHandles(t testing.TB, ns *netnstest.NS, fam, table, chain string) []string {
	t.Helper()
	var out []string
	for _, l := range lines(ns.Exec("nft", "-a", "list", "chain", fam, table, chain)) {
		if m := ruleHandleRe.FindStringSubmatch(l); m != nil && !strings.Contains(m[1], "hook ") && !strings.HasPrefix(m[1], "chain ") {
			out = append(out, m[2]+" "+counterRe.ReplaceAllString(m[1], "counter"))
		}
	}
	return out
}

func handleOf(t testing.TB, ns *netnstest.NS, fam, table, chain string, i int) string {
	t.Helper()
	hs := ruleHandles(t, ns, fam, table, chain)
	if i >= len(hs) {
		t.Fatalf("chain %s %s %s has %d rules, want rule %d", fam, table, chain, len(hs), i)
	}
	return strings.Fields(hs[i])[0]
}

// TestDriftRepaired injects every kind of drift with nft and checks that
// Apply restores exactly the state a fresh install gives.
func TestDriftRepaired(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	cases := []struct {
		name   string
		inject func(t *testing.T, ns *netnstest.NS) string // returns an nft script
	}{
		{"rule deleted", func(t *testing.T, ns *netnstest.NS) string {
			return "delete rule ip kilo-nat KILO-NAT handle " + handleOf(t, ns, "ip", "kilo-nat", "KILO-NAT", 1)
		}},
		{"rule added", func(*testing.T, *netnstest.NS) string {
			return "add rule ip kilo-nat KILO-NAT ip daddr 1.2.3.4 counter drop"
		}},
		{"rule inserted at head", func(*testing.T, *netnstest.NS) string {
			return "insert rule ip6 kilo-filter INPUT counter accept"
		}},
		{"rule modified", func(t *testing.T, ns *netnstest.NS) string {
			return "replace rule ip kilo-nat KILO-NAT handle " + handleOf(t, ns, "ip", "kilo-nat", "KILO-NAT", 1) + " ip daddr 10.5.0.0/16 counter accept"
		}},
		{"rule modified keeping comment", func(t *testing.T, ns *netnstest.NS) string {
			return "replace rule ip kilo-nat POSTROUTING handle " + handleOf(t, ns, "ip", "kilo-nat", "POSTROUTING", 0) +
				` ip saddr 10.9.0.0/16 counter jump KILO-NAT comment "Kilo: jump to KILO-NAT chain"`
		}},
		{"chain flushed", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip kilo-nat KILO-NAT"
		}},
		{"chain deleted", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip6 kilo-filter INPUT\ndelete chain ip6 kilo-filter KILO-IN"
		}},
		{"base chain deleted", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip kilo-filter FORWARD\ndelete chain ip kilo-filter FORWARD"
		}},
		{"table deleted", func(*testing.T, *netnstest.NS) string {
			return "delete table ip kilo-nat"
		}},
		{"all tables deleted", func(*testing.T, *netnstest.NS) string {
			return "delete table ip kilo-nat\ndelete table ip kilo-filter\ndelete table ip6 kilo-filter"
		}},
		{"policy changed", func(*testing.T, *netnstest.NS) string {
			return "chain ip kilo-filter FORWARD { policy accept; }"
		}},
		{"priority changed", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip kilo-filter INPUT\ndelete chain ip kilo-filter INPUT\n" +
				"add chain ip kilo-filter INPUT { type filter hook input priority 10; policy accept; }"
		}},
		{"hook changed", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip kilo-filter INPUT\ndelete chain ip kilo-filter INPUT\n" +
				"add chain ip kilo-filter INPUT { type filter hook output priority 0; policy accept; }"
		}},
		{"base chain made regular", func(*testing.T, *netnstest.NS) string {
			return "flush chain ip kilo-filter INPUT\ndelete chain ip kilo-filter INPUT\nadd chain ip kilo-filter INPUT"
		}},
		{"foreign chain in owned table", func(*testing.T, *netnstest.NS) string {
			return "add chain ip kilo-nat FOREIGN\nadd rule ip kilo-nat FOREIGN counter accept\nadd rule ip kilo-nat KILO-NAT jump FOREIGN"
		}},
		{"table dormant", func(*testing.T, *netnstest.NS) string {
			return "add table ip kilo-filter { flags dormant; }"
		}},
		{"rules reordered by hand", func(t *testing.T, ns *netnstest.NS) string {
			h := handleOf(t, ns, "ip", "kilo-filter", "FORWARD", 0)
			return "delete rule ip kilo-filter FORWARD handle " + h + "\nadd rule ip kilo-filter FORWARD iifname kilo0 counter accept"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := netnstest.New(t)
			b, obs := newBackend(t, ns, WithOwner("kilo"))
			want := kiloRuleset(t)
			apply(t, b, want)
			ref := map[string]string{}
			for _, tb := range [][2]string{{"ip", "kilo-nat"}, {"ip", "kilo-filter"}, {"ip6", "kilo-filter"}} {
				ref[tb[0]+" "+tb[1]] = sortedListing(ns, tb[0], tb[1])
			}
			ns.NFT(tc.inject(t, ns))
			obs.Take()
			p := apply(t, b, want)
			if p.Empty() {
				t.Fatal("Apply repaired nothing")
			}
			if obs.Get("drift") == 0 || obs.Get("batch") != 1 {
				t.Errorf("observed %v, want drift > 0 and one batch", obs.Take())
			}
			for tb, l := range ref {
				f := strings.Fields(tb)
				if got := sortedListing(ns, f[0], f[1]); got != l {
					t.Errorf("%s after repair:\n%s\nwant:\n%s\nplan:\n%s", tb, got, l, p)
				}
			}
			obs.Take()
			if p := apply(t, b, want); !p.Empty() || obs.Get("dump") != 0 {
				t.Errorf("Apply after repair: plan %q, %d dumps", p, obs.Get("dump"))
			}
		})
	}
}

// TestKeepsHandlesAndCounters checks that repairing one rule leaves the
// others alone: same handles, counters still counting.
func TestKeepsHandlesAndCounters(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	ns.Exec("ip", "link", "set", "lo", "up")
	b, _ := newBackend(t, ns)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "OUTPUT", "",
		`-o lo -p udp --dport 9 -j ACCEPT`,
		`-d 10.1.0.0/16 -j ACCEPT`,
		`-d 10.2.0.0/16 -j ACCEPT`,
		`-d 10.3.0.0/16 -j DROP`,
	)}}
	apply(t, b, rs)
	if err := ns.Do(func() error {
		c, err := net.Dial("udp", "127.0.0.1:9")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("x"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := ruleHandles(t, ns, "ip", "nftsync-filter", "OUTPUT")
	if !strings.Contains(ns.Exec("nft", "list", "chain", "ip", "nftsync-filter", "OUTPUT"), "counter packets 1 ") {
		t.Fatalf("no packet counted:\n%s", before)
	}
	ns.NFT("delete rule ip nftsync-filter OUTPUT handle " + strings.Fields(before[2])[0])
	// Also change the desired state (in a new Ruleset, as Apply's callers
	// do): drop rule 1, add one at the end.
	old := rs.Chains[0]
	c := &firewall.Chain{Family: old.Family, Table: old.Table, Name: old.Name}
	c.Rules = append(append(c.Rules, old.Rules[0]), old.Rules[2:]...)
	c.Rules = append(c.Rules, chain(t, rule.IPv4, "filter", "OUTPUT", "", `-d 10.4.0.0/16 -j DROP`).Rules...)
	rs = &firewall.Ruleset{Chains: []*firewall.Chain{c}}
	p := apply(t, b, rs)
	after := ruleHandles(t, ns, "ip", "nftsync-filter", "OUTPUT")
	if len(after) != 4 {
		t.Fatalf("after: %q", after)
	}
	if after[0] != before[0] || after[2] != before[3] {
		t.Errorf("kept rules changed handle or counter:\nbefore %q\nafter  %q", before, after)
	}
	if !strings.Contains(ns.Exec("nft", "list", "chain", "ip", "nftsync-filter", "OUTPUT"), "counter packets 1 ") {
		t.Errorf("counter reset")
	}
	if len(p.Changes) != 3 {
		t.Errorf("want 3 changes (delete 10.1, re-add 10.2, add 10.4), got:\n%s", p)
	}
}

// TestReorder applies a permutation and checks the plan is minimal and the
// result equals a fresh install of the new order.
func TestReorder(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	var rules []string
	for i := 0; i < 20; i++ {
		rules = append(rules, fmt.Sprintf(`-s 10.0.%d.0/24 -j ACCEPT`, i))
	}
	moved := append([]string{rules[15]}, append(append([]string{}, rules[:15]...), rules[16:]...)...)
	moved[5], moved[6] = moved[6], moved[5]
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "USER", "", rules...)}})
	p := apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "USER", "", moved...)}})
	if len(p.Changes) != 4 {
		t.Errorf("want 4 changes (2 moves), got:\n%s", p)
	}
	got := listing(ns, "ip", "nftsync-filter")
	ref := netnstest.New(t)
	rb, _ := newBackend(t, ref)
	apply(t, rb, &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "USER", "", moved...)}})
	if want := listing(ref, "ip", "nftsync-filter"); got != want {
		t.Errorf("after reorder:\n%s\nfresh install:\n%s", got, want)
	}
}
