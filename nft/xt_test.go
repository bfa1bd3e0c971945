package nft

import (
	"bytes"
	"reflect"
	"regexp"
	"testing"

	"github.com/google/nftables/expr"
	gxt "github.com/google/nftables/xt"
	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// xtRuleset holds rules that nftsync installs as xtables extensions
// (nft_compat "xt match"/"xt target" expressions), in built-in and user
// chains of both families.
func xtRuleset(t *testing.T) *firewall.Ruleset {
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "OUTPUT", "",
			`-m owner ! --uid-owner 5 -j ACCEPT`,
			`-j LOG --log-prefix 'say "hi" \ ' --log-level 1`,
			`-p tcp -m owner ! --uid-owner 1000-2000 --gid-owner 7 -j XT`),
		chain(t, rule.IPv4, "filter", "FORWARD", "",
			`-p tcp --dport 443 -m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24 -j DROP`,
			`-m hashlimit --hashlimit-upto 7/min --hashlimit-name b --hashlimit-rate-match -j ACCEPT`),
		chain(t, rule.IPv4, "nat", "OUTPUT", "",
			`-p tcp --dport 80 -m owner ! --uid-owner 1000 -j ACCEPT`),
		chain(t, rule.IPv4, "mangle", "OUTPUT", "",
			`-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff00`),
		chain(t, rule.IPv4, "filter", "XT", "",
			`-m owner ! --gid-owner 0 -m comment --comment "not root" -j DROP`,
			`-m owner --gid-owner 5 --suppl-groups ! --socket-exists`),
		chain(t, rule.IPv4, "filter", "INPUT", "",
			`-p tcp -m connlimit --connlimit-above 20 --connlimit-mask 24 -j REJECT`),
		chain(t, rule.IPv6, "filter", "FORWARD", "",
			`-m connlimit --connlimit-upto 3 --connlimit-daddr -j ACCEPT`,
			`-m connbytes ! --connbytes 500 --connbytes-mode bytes --connbytes-dir both -j ACCEPT`,
			`-m policy --dir out --pol ipsec -j ACCEPT`),
		chain(t, rule.IPv6, "mangle", "POSTROUTING", "",
			`-m owner --uid-owner 3 ! --gid-owner 4-9`,
			`-m cluster --cluster-total-nodes 7 ! --cluster-local-nodemask 9 --cluster-hash-seed 1 -j MARK --set-mark 1`,
			`-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff00 --right-shift-mark 8`),
	}}
}

var handleNumRe = regexp.MustCompile(`# handle \d+`)

// TestXtConverges applies xt rules and checks the engine recognises what
// the kernel dumps: a forced dump plans nothing, a fresh backend (nothing
// in memory) plans nothing and keeps every handle, and Read returns the
// rules as declared.
func TestXtConverges(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := xtRuleset(t)
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	handles := func() string {
		return ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-filter") +
			ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-nat") +
			ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-mangle") + ns.Exec("nft", "-a", "list", "table", "ip6", "nftsync-mangle") +
			ns.Exec("nft", "-a", "list", "table", "ip6", "nftsync-filter")
	}
	before := handles()
	if n := len(handleNumRe.FindAllString(before, -1)); n < 4 {
		t.Fatalf("expected at least 4 rules with handles, listing:\n%s", before)
	}
	ns.NFT("add table ip unrelated")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("forced dump found differences in xt rules it installed:\n%s", p)
	}
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("a fresh backend plans changes to xt rules:\n%s", p)
	}
	if after := handles(); after != before {
		t.Errorf("handles changed on a second apply:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	assertReadBack(t, fresh, rs)
}

// TestDecodeXtKeepsInfoRaw checks that a dumped nft_compat match or target
// keeps its info bytes as they are, even for an extension google/nftables
// would decode into its own type (comment, tcp, SNAT, ...), so that the
// engine compares what the kernel holds.
func TestDecodeXtKeepsInfoRaw(t *testing.T) {
	for _, x := range []expr.Any{
		&expr.Match{Name: "comment", Rev: 0, Info: rawInfo(256, 'c')},
		&expr.Match{Name: "tcp", Rev: 0, Info: rawInfo(16, 0x7f)},
		&expr.Target{Name: "SNAT", Rev: 0, Info: rawInfo(24, 1)},
	} {
		b, err := rule.MarshalExpr(unix.NFPROTO_IPV4, x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeElem(unix.NFPROTO_IPV4, b)
		if err != nil {
			t.Fatalf("%#v: %v", x, err)
		}
		if !reflect.DeepEqual(got, x) {
			t.Errorf("decoded %#v, want %#v", got, x)
		}
	}
}

// rawInfo is an info of n bytes of value c.
func rawInfo(n int, c byte) *gxt.Unknown {
	u := gxt.Unknown(bytes.Repeat([]byte{c}, n))
	return &u
}

// TestRuleCompat checks that a rule with an xtables extension and -p
// carries NFTA_RULE_COMPAT with the protocol and its negation, as
// iptables-nft sends it, and that other rules carry none.
func TestRuleCompat(t *testing.T) {
	for _, c := range []struct {
		args string
		want []byte // the attribute's payload, nil for none
	}{
		{`-p tcp -m owner ! --uid-owner 1`, []byte{8, 0, 1, 0, 0, 0, 0, 6, 8, 0, 2, 0, 0, 0, 0, 0}},
		{`! -p udp -m owner ! --uid-owner 1`, []byte{8, 0, 1, 0, 0, 0, 0, 17, 8, 0, 2, 0, 0, 0, 0, 2}},
		{`-m owner ! --uid-owner 1`, nil},
		{`-p tcp -m owner --uid-owner 1`, nil},
	} {
		r, err := rule.ParseString(rule.IPv4, c.args)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		got := compatAttr(r, tr)
		var want attrs
		if c.want != nil {
			want = attrs(nil).nested(unix.NFTA_RULE_COMPAT, c.want)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: NFTA_RULE_COMPAT %x, want %x", c.args, got, want)
		}
	}
}
