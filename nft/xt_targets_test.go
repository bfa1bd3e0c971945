package nft

import (
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestXtTargetsConverge applies the targets nftsync installs only as
// xtables extensions in its own tables (IDLETIMER, RATEEST, SYNPROXY --ecn, TEE --oif, HMARK): a fresh
// backend plans nothing, keeps every handle, and reads the rules back as
// declared.
func TestXtTargetsConverge(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", "",
			`-p tcp --dport 22 -j IDLETIMER --timeout 60 --label nftsync-test-conv`,
			`-j RATEEST --rateest-name in --rateest-interval 250ms --rateest-ewmalog 1s`,
			`-p tcp --dport 80 -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460 --ecn`,
			`-j TEE --gateway 10.0.0.1 --oif not-there-yet`),
		chain(t, rule.IPv6, "mangle", "POSTROUTING", "",
			`-o eth0 -j IDLETIMER --timeout 5 --label nftsync-test-conv6 --alarm`,
			`-j RATEEST --rateest-name out6 --rateest-interval 1.0s --rateest-ewmalog 8.0s`,
			`-j TEE --gateway 2001:db8::1 --oif eth0`,
			`-j HMARK --hmark-src-prefix 64 --hmark-sport-mask 0xffff --hmark-proto-mask 0xffff --hmark-rnd 0xdeadbeef --hmark-mod 16 --hmark-offset 100`),
		chain(t, rule.IPv4, "filter", "FORWARD", "",
			`-j HMARK --hmark-tuple src,dst,proto --hmark-rnd 7 --hmark-mod 4`),
	}}
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	list := func() string {
		return ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-filter") + ns.Exec("nft", "-a", "list", "table", "ip6", "nftsync-mangle")
	}
	before := list()
	if n := len(handleNumRe.FindAllString(before, -1)); n < 9 {
		t.Fatalf("expected 9 rules with handles, listing:\n%s", before)
	}
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("a fresh backend plans changes to xt target rules:\n%s", p)
	}
	if after := list(); after != before {
		t.Errorf("handles changed on a second apply:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	assertReadBack(t, fresh, rs)
}
