package nft

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestMasqueradePorts installs a masquerade with ports and flags, which
// google/nftables' expr.Masq cannot marshal (it drops NFTA_MASQ_FLAGS when
// ports are given): the batch builder uses rule.ExprMarshaler. nft must
// show the ports and the flag, and the dumped rule must be recognised,
// through the byte-equal fast path and through decoding and normalising.
func TestMasqueradePorts(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "nat", "POSTROUTING", "",
		`-p tcp -j MASQUERADE --to-ports 10-20 --random`,
		`-p udp -j MASQUERADE --to-ports 30`,
		`-o eth0 -j MASQUERADE --random-fully`,
	)}}
	apply(t, b, rs)
	got := listing(ns, "ip", "nftsync-nat")
	for _, want := range []string{"masquerade to :10-20 random", "masquerade to :30", "masquerade fully-random"} {
		if !strings.Contains(got, want) {
			t.Errorf("nft list lacks %q:\n%s", want, got)
		}
	}
	ns.NFT("add table ip unrelated")
	obs.Take()
	if p := apply(t, b, rs); !p.Empty() || obs.Get("dump") == 0 {
		t.Errorf("forced dump: plan %q after %d dumps, want an empty plan after a dump", p, obs.Get("dump"))
	}
	// The slow path: every dumped expression decoded and normalised
	// equals the desired one's normal form.
	gen, err := b.getGen()
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := b.readState(t.Context(), gen)
	if err != nil {
		t.Fatal(err)
	}
	d, err := compile(b.owner, rs, newRuleCache())
	if err != nil {
		t.Fatal(err)
	}
	p := &planner{d: d}
	have := st.tables[tableID{rule.IPv4, "nat"}].byName["POSTROUTING"].rules
	want := d.tables[0].chains[0].rules
	if len(have) != len(want) {
		t.Fatalf("dumped %d rules, want %d", len(have), len(want))
	}
	for i, hr := range have {
		we := want[i].ent
		same := bytes.Equal(hr.udata, we.userdata()) && len(hr.elems) == len(we.normal())
		for j := 0; same && j < len(hr.elems); j++ {
			same = sameNorm(unix.NFPROTO_IPV4, hr.elems[j], we.normal()[j])
		}
		if !same {
			t.Errorf("rule %q: decoded and normalised, it differs from the desired one", we.text())
		}
	}
	// A masquerade that lost its flag is not the desired one.
	e := want[0].ent
	alt := &haveRule{udata: e.userdata(), elems: append([][]byte{}, e.installed()...)}
	for i, x := range exprsOf(t, e) {
		if m, ok := x.(*rule.MasqPorts); ok {
			cp := *m
			cp.Random = false
			if alt.elems[i], err = rule.MarshalExpr(unix.NFPROTO_IPV4, &cp); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p.identify(rule.IPv4, alt) == e {
		t.Error("masquerade without its random flag taken for the desired one")
	}
}

// exprsOf translates an entry's rule again, for its expressions.
func exprsOf(t *testing.T, e *entry) []expr.Any {
	t.Helper()
	r, err := rule.ParseString(e.fam, e.text())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.Translate()
	if err != nil {
		t.Fatal(err)
	}
	return tr.Exprs()
}
