package nft

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

func TestUserDataRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 120)
	cases := []struct {
		args    string
		wantErr bool
	}{
		{`-s 10.0.0.0/8 -j ACCEPT`, false},
		{`-p tcp --dport 22 -m comment --comment "a \"b\" c" -j DROP`, true}, // quotes are refused by the parser
		{`-m comment --comment "with space" -p udp --dport 53 -j ACCEPT`, false},
		{`-p tcp -m comment --comment "` + long + `" --dport 22 -j ACCEPT`, false},
		{`-m limit --limit 5/min -j LOG --log-prefix "in: "`, false},
		// Empty and several comments: nft's (the last) is the comment TLV.
		{`-p sctp -m comment --comment "" -j DROP`, false},
		{`-m comment --comment "" -m comment --comment "x" -j DROP`, false},
		{`-m comment --comment a -p tcp -m comment --comment b -j DROP`, false},
		{`-m comment --comment b -m comment --comment b -j DROP`, false},
		{`-m comment --comment b -m comment --comment "" -j DROP`, false},
	}
	for _, c := range cases {
		r, err := rule.ParseString(rule.IPv4, c.args)
		if err != nil {
			if !c.wantErr {
				t.Errorf("%s: %v", c.args, err)
			}
			continue
		}
		tr, err := r.Translate()
		if err != nil {
			t.Fatal(err)
		}
		ud, err := ruleUserData(r, tr)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		got, err := parseUserData(rule.IPv4, ud)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		if got.String() != r.String() {
			t.Errorf("round trip of %q gave %q", r, got)
		}
	}
	// A spec too long for the kernel's 256 bytes of userdata is refused.
	big := `-s 10.100.100.100/32 -d 10.200.200.200/32 -i interface0123 -o interface4567 -p tcp ` +
		`-m multiport --dports 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014 ` +
		`-m comment --comment "` + long + `" -j LOG --log-prefix "a-long-log-prefix-for-tests"`
	r, err := rule.ParseString(rule.IPv4, big)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.Translate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ruleUserData(r, tr); err == nil {
		t.Error("oversized userdata accepted")
	}
}

func TestParseUserDataMalformed(t *testing.T) {
	for _, ud := range [][]byte{nil, {0}, {0, 5, 'a'}, {8, 1, 1}, {8, 3, 1, 0, 'x'}, {8, 2, 9, 9}, {0, 2, 'a', 0, 8, 4, 1, 7, '-', 'j'}} {
		if _, err := parseUserData(rule.IPv4, ud); err == nil {
			t.Errorf("parseUserData(%v) accepted", ud)
		}
	}
}

// TestUnknownExpressionIsDrift: a dumped rule whose expressions cannot be
// decoded is never kept, even with nftsync's userdata.
func TestUnknownExpressionIsDrift(t *testing.T) {
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "INPUT", "", `-s 10.0.0.0/8 -j ACCEPT`)}}
	d, err := compile("o", rs, newRuleCache())
	if err != nil {
		t.Fatal(err)
	}
	wr := d.tables[0].chains[0].rules[0].ent
	p := &planner{d: d}
	same := &haveRule{udata: wr.userdata(), elems: wr.installed()}
	if p.identify(rule.IPv4, same) != wr {
		t.Fatal("identical rule not recognised")
	}
	alien := attrs(nil).str(unix.NFTA_EXPR_NAME, "frobnicate").nested(unix.NFTA_EXPR_DATA, attrs(nil).u32(1, 1))
	extra := &haveRule{udata: wr.userdata(), elems: append(append([][]byte{}, wr.installed()...), alien)}
	if p.identify(rule.IPv4, extra) == wr {
		t.Error("rule with an unknown expression taken for the desired one")
	}
	shorter := &haveRule{udata: wr.userdata(), elems: wr.installed()[:len(wr.installed())-1]}
	if p.identify(rule.IPv4, shorter) == wr {
		t.Error("shorter rule taken for the desired one")
	}
	c, _ := expr.Marshal(unix.NFPROTO_IPV4, &expr.Counter{Packets: 7, Bytes: 700})
	counted := &haveRule{udata: wr.userdata(), elems: append([][]byte{}, wr.installed()...)}
	for i, e := range exprsOf(t, wr) {
		if _, ok := e.(*expr.Counter); ok {
			counted.elems[i] = c
		}
	}
	if p.identify(rule.IPv4, counted) != wr {
		t.Error("live counter values make a rule differ")
	}
}

func TestHint(t *testing.T) {
	cases := []struct {
		msg   int
		err   error
		want  string // "" means no hint
		errno unix.Errno
	}{
		{unix.NFT_MSG_NEWRULE, unix.ENOENT, "(a chain, set or table the rule refers to does not exist, or a kernel object", unix.ENOENT},
		{unix.NFT_MSG_DELRULE, unix.ENOENT, "(the rule or its chain no longer exists)", unix.ENOENT},
		{unix.NFT_MSG_NEWCHAIN, unix.ENOENT, "(its table or set does not exist)", unix.ENOENT},
		{unix.NFT_MSG_NEWRULE, unix.EOPNOTSUPP, "NAT outside a nat chain", unix.EOPNOTSUPP},
		{unix.NFT_MSG_DELCHAIN, unix.EBUSY, "still in use", unix.EBUSY},
		{unix.NFT_MSG_NEWRULE, unix.EMLINK, "jumps nest too deeply", unix.EMLINK},
		{unix.NFT_MSG_NEWRULE, unix.EIO, "", unix.EIO},
		{unix.NFT_MSG_NEWRULE, fmt.Errorf("wrapped: %w", unix.ELOOP), "form a loop", unix.ELOOP},
	}
	for _, c := range cases {
		got := hint(nftType(c.msg), c.err)
		if !errors.Is(got, c.errno) {
			t.Errorf("hint(%d, %v) = %v: lost the errno", c.msg, c.err, got)
		}
		if c.want == "" && got.Error() != c.err.Error() || c.want != "" && !strings.Contains(got.Error(), c.want) {
			t.Errorf("hint(%d, %v) = %q, want %q", c.msg, c.err, got, c.want)
		}
	}
	if got := hint(nftType(unix.NFT_MSG_NEWRULE), errors.New("plain")); got.Error() != "plain" {
		t.Errorf("hint of a non-errno error = %q", got)
	}
}

// TestLearnHandles: the handles of new rules are counted from the first
// echoed one across the sets between them, and refused when the last echo
// disagrees with the count.
func TestLearnHandles(t *testing.T) {
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", "", `-s 10.0.0.0/8 -j ACCEPT`, `-p tcp -m multiport --dports 22,80 -j ACCEPT`, `-j DROP`),
		chain(t, rule.IPv4, "nat", "POSTROUTING", "", `-j MASQUERADE`),
	}}
	d, err := compile("o", rs, newRuleCache())
	if err != nil {
		t.Fatal(err)
	}
	plan := func() *plan {
		pl, err := makePlan(d, &actual{tables: map[tableID]*haveTable{}})
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	pl := plan()
	echo := pl.echoes()
	if len(echo) != 3 {
		t.Fatalf("echoes %v: want first and last rule of filter, the one rule of nat", echo)
	}
	// filter: rule 10, set 11, rule 12, rule 13; nat: rule 7.
	if !pl.learnHandles(map[int]uint64{echo[0]: 10, echo[1]: 13, echo[2]: 7}) {
		t.Fatal("consistent echoes refused")
	}
	var got []uint64
	for _, a := range pl.added {
		got = append(got, a.hr.handle)
	}
	if fmt.Sprint(got) != "[10 12 13 7]" {
		t.Errorf("handles %v, want [10 12 13 7]", got)
	}
	if pl := plan(); pl.learnHandles(map[int]uint64{echo[0]: 10, echo[1]: 12, echo[2]: 7}) {
		t.Error("last echo off the count accepted")
	}
	if pl := plan(); pl.learnHandles(map[int]uint64{echo[0]: 10, echo[2]: 7}) {
		t.Error("missing echo accepted")
	}
}

// TestRuleBodyTooLong checks that an expression list longer than a netlink
// attribute can say is refused: its length would wrap and the kernel would
// install the first expressions only (measured: 6,000 counters and a jump
// to a missing chain were accepted as a rule of counters).
func TestRuleBodyTooLong(t *testing.T) {
	counter, err := rule.MarshalExpr(unix.NFPROTO_IPV4, &expr.Counter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		fits bool
	}{{1, true}, {100, true}, {1400, true}, {1500, false}, {6000, false}} {
		elems := make([][]byte, tc.n)
		for i := range elems {
			elems[i] = counter
		}
		body, err := ruleBody(elems, []byte{1, 2, 3})
		if (err == nil) != tc.fits {
			t.Errorf("%d counters: error %v, want fits=%v", tc.n, err, tc.fits)
			continue
		}
		if err == nil {
			var n int
			if werr := walkAttrs(body, func(typ uint16, b []byte) error {
				if typ == unix.NFTA_RULE_EXPRESSIONS {
					return walkAttrs(b, func(uint16, []byte) error { n++; return nil })
				}
				return nil
			}); werr != nil || n != tc.n {
				t.Errorf("%d counters: body holds %d expressions (%v)", tc.n, n, werr)
			}
		}
	}
}
