package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// roundTripRules are rules whose kernel dump differs from what nftsync
// builds unless normalised (NAT ranges, log levels, limit bursts, sets).
var roundTripRules = []struct {
	table, chain string
	fam          rule.Family
	args         string
}{
	{"nat", "POSTROUTING", rule.IPv4, `-s 10.4.0.0/16 -j MASQUERADE`},
	{"nat", "POSTROUTING", rule.IPv4, `-o eth0 -j SNAT --to-source 192.0.2.1`},
	{"nat", "PREROUTING", rule.IPv4, `-p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080`},
	{"nat", "PREROUTING", rule.IPv4, `-p tcp --dport 81 -j REDIRECT --to-ports 8081`},
	{"filter", "INPUT", rule.IPv4, `-p tcp -m multiport --dports 22,80,443 -j ACCEPT`},
	{"filter", "INPUT", rule.IPv4, `-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`},
	{"filter", "INPUT", rule.IPv4, `-m limit --limit 5/min -j LOG --log-prefix "in: "`},
	{"filter", "INPUT", rule.IPv4, `-p icmp -m icmp --icmp-type 8 -j ACCEPT`},
	{"filter", "INPUT", rule.IPv4, `-m mark --mark 0x1/0xff -j DROP`},
	{"filter", "INPUT", rule.IPv4, `-p tcp -j REJECT --reject-with tcp-reset`},
	{"mangle", "FORWARD", rule.IPv4, `-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`},
	{"mangle", "PREROUTING", rule.IPv4, `-j MARK --set-xmark 0x4/0xffffffff`},
	{"raw", "PREROUTING", rule.IPv4, `-p udp --dport 51820 -j NOTRACK`},
	{"filter", "FORWARD", rule.IPv6, `-s fd00::/8 -m conntrack --ctstate NEW -j ACCEPT`},
	{"nat", "POSTROUTING", rule.IPv6, `-s fd00::/8 -j MASQUERADE`},
	// The same text in both families: two entries, told apart by family.
	{"nat", "KILO-NAT", rule.IPv4, `-m comment --comment "NAT remaining packets" -j MASQUERADE`},
	{"nat", "KILO-NAT", rule.IPv6, `-m comment --comment "NAT remaining packets" -j MASQUERADE`},
}

// TestForcedDumpIsNoop applies rules of every statement kind, then forces a
// dump (another table changed) and checks the plan is empty: what the
// kernel returns is recognised as what was installed.
func TestForcedDumpIsNoop(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := &firewall.Ruleset{}
	for _, r := range roundTripRules {
		spec, err := rule.ParseString(r.fam, r.args)
		if err != nil {
			t.Errorf("%s: %v", r.args, err)
			continue
		}
		c := rs.Chain(r.fam, r.table, r.chain)
		if c == nil {
			c = &firewall.Chain{Family: r.fam, Table: r.table, Name: r.chain}
			rs.Chains = append(rs.Chains, c)
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: spec})
	}
	apply(t, b, rs)
	ns.NFT("add table ip unrelated")
	obs.Take()
	p := apply(t, b, rs)
	if !p.Empty() {
		t.Errorf("forced dump found differences in rules it installed:\n%s", p)
	}
	if obs.Get("dump") == 0 {
		t.Error("no dump after an unrelated change")
	}
	assertReadBack(t, b, rs)
}
