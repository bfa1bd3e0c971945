package nft

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// kiloRuleset is a small Kilo-like desired state in both families.
func kiloRuleset(t testing.TB) *firewall.Ruleset {
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "nat", "POSTROUTING", "",
			`-s 10.4.0.0/16 -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`),
		chain(t, rule.IPv4, "nat", "KILO-NAT", "",
			`-d 10.4.0.0/16 -m comment --comment "Kilo: do not NAT packets destined for the local Kilo subnet" -j RETURN`,
			`-d 10.5.0.0/16 -j RETURN`,
			`-o wg0 -j DROP`),
		chain(t, rule.IPv4, "filter", "FORWARD", "DROP",
			`-i kilo0 -j ACCEPT`,
			`-o kilo0 -j ACCEPT`),
		chain(t, rule.IPv4, "filter", "INPUT", "",
			`-p udp --dport 51820 -j ACCEPT`),
		chain(t, rule.IPv6, "filter", "INPUT", "",
			`-s fd00::/8 -p tcp --dport 22 -j ACCEPT`,
			`-j KILO-IN`),
		chain(t, rule.IPv6, "filter", "KILO-IN", ""),
	}}
}

func TestColdApply(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns, WithOwner("kilo"))
	p := apply(t, b, kiloRuleset(t))
	if p.Empty() {
		t.Fatal("cold apply changed nothing")
	}
	if got := obs.Get("batch"); got != 1 {
		t.Errorf("cold apply sent %d batches, want 1", got)
	}
	got := listing(ns, "ip", "kilo-nat")
	for _, want := range []string{
		"table ip kilo-nat {",
		"chain POSTROUTING {",
		"type nat hook postrouting priority srcnat; policy accept;",
		`ip saddr 10.4.0.0/16 counter jump KILO-NAT comment "Kilo: jump to KILO-NAT chain"`,
		"chain KILO-NAT {",
		`oifname "wg0" counter drop`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("nft list table ip kilo-nat lacks %q:\n%s", want, got)
		}
	}
	t.Log(got)
	t.Log(listing(ns, "ip", "kilo-filter"))
	t.Log(listing(ns, "ip6", "kilo-filter"))
	obs.Take()
	if p := apply(t, b, kiloRuleset(t)); !p.Empty() {
		t.Errorf("second apply changed:\n%s", p)
	}
	if d := obs.Get("dump"); d != 0 {
		t.Errorf("second apply dumped %d times, want 0", d)
	}
}
