package nft

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
	"golang.org/x/sys/unix"
)

// Long rules: their comment and iptables form do not fit the kernel's 256
// bytes of rule userdata.
var (
	ports15 = "1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014"
	// 296 characters with a 128-byte comment (issue 8).
	rule296 = `-s 10.100.100.100/32 -d 10.200.200.200/32 -i interface0123 -p tcp ` +
		`-m multiport --dports 1000,1001,1002,1003,1004 -m comment --comment "` + strings.Repeat("c", 128) +
		`" -j LOG --log-prefix "long-rule: "`
	// The longest comment iptables keeps (issue 9).
	rule255 = `-p udp --dport 53 -m comment --comment "` + strings.Repeat("d", 255) + `" -j ACCEPT`
	// A comment longer than nft reads: it stays in the spec.
	rule200 = `-s 10.1.2.3/32 -d 10.4.5.6/32 -p tcp --dport 22 -m comment --comment "` + strings.Repeat("e", 200) + `" -j ACCEPT`
	// Over 600 bytes: long chain names, two 15-port multiport matches, a
	// MAC, conntrack states and a 200-byte comment.
	rule600 = `-s 192.168.100.0/24 -d 172.16.200.0/24 -i ifname-numero-1 -o ifname-numero-2 -p tcp ` +
		`-m multiport --sports ` + ports15 + ` -m multiport --dports ` + strings.ReplaceAll(ports15, "10", "20") +
		` -m mac --mac-source 00:11:22:33:44:55 -m conntrack --ctstate NEW,RELATED,ESTABLISHED ` +
		`-m comment --comment "` + strings.Repeat("f", 200) + `" -j A-VERY-LONG-USER-CHAIN-NAME`
	rule6 = `-s fd00:1234:5678:9abc::/64 -d fd00:4321:8765:cba9::/64 -i interface0123 -p udp ` +
		`-m multiport --dports ` + ports15 + ` -m comment --comment "` + strings.Repeat("g", 160) + `" -j DROP`
)

func longRuleset(t testing.TB) *firewall.Ruleset {
	t.Helper()
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "A-VERY-LONG-USER-CHAIN-NAME", "", `-j ACCEPT`),
		chain(t, rule.IPv4, "filter", "FORWARD", "", `-s 10.0.0.1 -j ACCEPT`, rule296, rule255, rule200, rule600, `-j DROP`),
		// No comment; 122 expressions and 4 pieces, near the kernel's 128.
		chain(t, rule.IPv6, "filter", "INPUT", "", rule6, `-p tcp -m comment --comment short -j ACCEPT`,
			strings.Repeat("-m mark --mark 0x1/0xff ", 40)+"-j ACCEPT"),
	}}
}

func TestLongSpecRoundTrip(t *testing.T) {
	for _, s := range []string{rule296, rule255, rule200, rule600} {
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		ud, pieces, err := storeRule(r, tr)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if len(ud) > maxUserData || len(pieces) == 0 {
			t.Fatalf("%d bytes of userdata, %d pieces", len(ud), len(pieces))
		}
		elems := marshalAll(t, append(tr.Exprs(), pieces...))
		got, err := parseStored(rule.IPv4, ud, elems)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got.String() != r.String() {
			t.Errorf("round trip of %q gave %q", r, got)
		}
		// Any inconsistency between userdata and pieces: not nftsync's.
		last := len(elems) - 1
		bad := [][][]byte{
			elems[:last],                              // a piece missing
			append(elems[:last:last], elems[0]),       // a piece replaced
			append(append([][]byte{}, elems...), nil), // pieces not last
		}
		other := append([]expr.Any(nil), tr.Exprs()...)
		info, _ := xt.Comment{Text: "altered"}.Marshal()
		x, _ := xt.CommentMatch.Expr(info)
		bad = append(bad, marshalAll(t, append(append(other, pieces[:len(pieces)-1]...), x))) // altered text
		for i, elems := range bad {
			if r, err := parseStored(rule.IPv4, ud, elems); err == nil {
				t.Errorf("%s: tampered pieces %d read as %s", s, i, r)
			}
		}
	}
	// A short rule keeps its spec in its userdata, as before.
	r, _ := rule.ParseString(rule.IPv4, `-p tcp -m comment --comment short -j ACCEPT`)
	tr, _ := r.TranslateExprs()
	if _, pieces, err := storeRule(r, tr); err != nil || len(pieces) != 0 {
		t.Errorf("short rule: %d pieces, %v", len(pieces), err)
	}
}

func marshalAll(t testing.TB, xs []expr.Any) [][]byte {
	t.Helper()
	out := make([][]byte, len(xs))
	for i, x := range xs {
		b, err := rule.MarshalExpr(nfproto(rule.IPv4), x)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// TestLongRules: rules of any length converge (apply, no change on the
// second apply, same handles, a fresh backend reads them back exactly, the
// listing fed back changes nothing) and nft lists them.
func TestLongRules(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	rs := longRuleset(t)
	if n := len(rs.Chains[1].Rules[1].Spec.String()); n != 296 {
		t.Fatalf("rule296 is %d bytes", n)
	}
	if n := len(rs.Chains[1].Rules[4].Spec.String()); n <= 600 {
		t.Fatalf("rule600 is %d bytes", n)
	}
	apply(t, b, rs)
	h4 := ruleHandles(t, ns, "ip", "nftsync-filter", "FORWARD")
	h6 := ruleHandles(t, ns, "ip6", "nftsync-filter", "INPUT")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply:\n%s", p)
	}
	// A fresh backend knows nothing but the kernel.
	fresh, _ := newBackend(t, ns)
	if p, err := fresh.Plan(context.Background(), rs); err != nil || !p.Empty() {
		t.Errorf("fresh plan: %v\n%s", err, p)
	}
	got, err := fresh.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range rs.Chains {
		c := got.Chain(want.Family, want.Table, want.Name)
		if c == nil || len(c.Rules) != len(want.Rules) {
			t.Fatalf("Read: chain %s %s missing or wrong length: %v", want.Family, want.Name, c)
		}
		for i, r := range c.Rules {
			if r.Label != "" || r.Spec.String() != want.Rules[i].Spec.String() {
				t.Errorf("Read %s %s rule %d:\n got %s (%s)\nwant %s", want.Family, want.Name, i, r.Spec, r.Label, want.Rules[i].Spec)
			}
		}
	}
	b.Close() // one writer per owner
	if p := apply(t, fresh, got); !p.Empty() {
		t.Errorf("listing fed back:\n%s", p)
	}
	if a, b := ruleHandles(t, ns, "ip", "nftsync-filter", "FORWARD"), ruleHandles(t, ns, "ip6", "nftsync-filter", "INPUT"); strings.Join(a, "\n") != strings.Join(h4, "\n") || strings.Join(b, "\n") != strings.Join(h6, "\n") {
		t.Errorf("handles changed:\n%v\n%v\nwant\n%v\n%v", a, b, h4, h6)
	}
	// nft shows the comments it reads (128 bytes at most), never a longer
	// one, so that its listing loads with nft -f.
	list := ns.Exec("nft", "list", "ruleset")
	if !strings.Contains(list, `comment "`+strings.Repeat("c", 128)+`"`) || strings.Contains(list, strings.Repeat("e", 129)) {
		t.Errorf("nft's comments:\n%s", list)
	}
	other := netnstest.New(t)
	if out, err := other.TryExec("nft", "-f", writeTemp(t, list)); err != nil {
		t.Errorf("nft -f of nft's listing: %v\n%s", err, out)
	}
}

// TestLongRuleTampered: a rule whose pieces do not match its userdata (or
// whose pieces were lost) is not nftsync's: Read shows it as foreign, and
// the next Apply replaces it with the desired rule.
func TestLongRuleTampered(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	rs := longRuleset(t)
	apply(t, b, rs)
	// Forge rule255 (no anonymous set, which only one rule can bind) with
	// one piece of its text altered, at the end of FORWARD, and delete the
	// original.
	r := rs.Chains[1].Rules[2].Spec
	tr, err := r.TranslateExprs()
	if err != nil {
		t.Fatal(err)
	}
	ud, pieces, err := storeRule(r, tr)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := xt.Comment{Text: strings.Repeat("z", 255)}.Marshal()
	x, _ := xt.CommentMatch.Expr(info)
	elems := marshalAll(t, append(append(tr.Exprs(), pieces[:len(pieces)-1]...), x))
	body, err := ruleBody(elems, ud)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := dial(int(ns.Handle()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var forged batch
	forged.add(unix.NFT_MSG_NEWRULE, netlink.Create|netlink.Append,
		append(head(rule.IPv4).str(unix.NFTA_RULE_TABLE, "nftsync-filter").str(unix.NFTA_RULE_CHAIN, "FORWARD"), body...), text("forged"), true)
	snd := sender{c: conn, onBatch: func() {}}
	if _, err := snd.send(&forged, 0, nil); err != nil {
		t.Fatalf("adding the forged rule: %v", err)
	}
	ns.NFT("delete rule ip nftsync-filter FORWARD handle " + handleOf(t, ns, "ip", "nftsync-filter", "FORWARD", 2))
	got, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := got.Chain(rule.IPv4, "filter", "FORWARD")
	if n := len(c.Rules); n != 6 || !strings.HasPrefix(c.Rules[5].Label, "foreign rule") {
		t.Fatalf("forged rule read as %v (%d rules)", c.Rules[len(c.Rules)-1], n)
	}
	p := apply(t, b, rs)
	if p.Empty() {
		t.Fatal("no repair")
	}
	b.Close()
	fresh, _ := newBackend(t, ns)
	if p, err := fresh.Plan(context.Background(), rs); err != nil || !p.Empty() {
		t.Errorf("after repair: %v\n%s", err, p)
	}
}

// TestLongRulePackets: the pieces do not change what a rule does. A rule
// without a verdict evaluates them (each always matches) and counts every
// packet; in a rule with one they follow the verdict, and the rule drops.
func TestLongRulePackets(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	netnstest.RequireBinary(t, "ip")
	ns := netnstest.New(t)
	ns.Exec("ip", "link", "set", "lo", "up")
	b, _ := newBackend(t, ns)
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{chain(t, rule.IPv4, "filter", "OUTPUT", "",
		`-o lo -p udp --dport 9 -m comment --comment "`+strings.Repeat("a", 255)+`"`,
		`-o lo -p udp --dport 9 -m comment --comment "`+strings.Repeat("b", 255)+`" -j DROP`,
		`-o lo -p udp --dport 9 -j ACCEPT`,
	)}})
	const sent = 3
	if err := ns.Do(func() error {
		c, err := net.Dial("udp", "127.0.0.1:9")
		if err != nil {
			return err
		}
		defer c.Close()
		for range sent {
			c.Write([]byte("x")) // EPERM once dropped
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range packetsRe.FindAllStringSubmatch(ns.Exec("nft", "list", "chain", "ip", "nftsync-filter", "OUTPUT"), -1) {
		got = append(got, m[1])
	}
	if want := []string{fmt.Sprint(sent), fmt.Sprint(sent), "0"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("packets per rule %v, want %v", got, want)
	}
}

var packetsRe = regexp.MustCompile(`counter packets (\d+)`)

// TestLongRuleTooManyExprs: a rule whose pieces would take it past the
// kernel's 128 expressions is refused before anything is sent, naming the
// reason; one expression less fits.
func TestLongRuleTooManyExprs(t *testing.T) {
	for _, c := range []struct {
		marks int
		ok    bool
	}{{40, true}, {41, false}} {
		// Each mark is 3 expressions; with the counter and the verdict,
		// 40 make 122 and 41 make 125, and their text needs 4 pieces.
		r, err := rule.ParseString(rule.IPv4, strings.Repeat("-m mark --mark 0x1/0xff ", c.marks)+"-j ACCEPT")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		_, pieces, err := storeRule(r, tr)
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "the kernel takes 128 per rule") {
			t.Errorf("%d marks (%d expressions, %d pieces): %v", c.marks, len(tr.Exprs()), len(pieces), err)
		}
	}
}

// TestLongFormEveryKind gives every rule of roundTripRules (NAT, sets,
// log, limits, IPv6...) a 255-byte comment, so that each is stored in
// pieces: a forced dump recognises every one, and a fresh backend reads
// each back exactly.
func TestLongFormEveryKind(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := &firewall.Ruleset{}
	comment := ` -m comment --comment "` + strings.Repeat("k", 255) + `"`
	for _, r := range roundTripRules {
		if strings.Contains(r.args, "--comment") {
			continue
		}
		c := rs.Chain(r.fam, r.table, r.chain)
		if c == nil {
			c = &firewall.Chain{Family: r.fam, Table: r.table, Name: r.chain}
			rs.Chains = append(rs.Chains, c)
		}
		c.Rules = append(c.Rules, chain(t, r.fam, r.table, r.chain, "", r.args+comment).Rules[0])
	}
	apply(t, b, rs)
	ns.NFT("add table ip unrelated")
	obs.Take()
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("forced dump found differences:\n%s", p)
	}
	if obs.Get("dump") == 0 {
		t.Error("no dump after an unrelated change")
	}
	fresh, _ := newBackend(t, ns)
	got, err := fresh.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, want := range rs.Chains {
		c := got.Chain(want.Family, want.Table, want.Name)
		if c == nil || len(c.Rules) != len(want.Rules) {
			t.Fatalf("Read: chain %s %s %s missing or wrong length", want.Family, want.Table, want.Name)
		}
		for i, r := range c.Rules {
			if r.Label != "" || !r.Spec.Equal(want.Rules[i].Spec) {
				t.Errorf("Read: %s rule %d is %q (%s), want %q", want.Name, i, r.Spec, r.Label, want.Rules[i].Spec)
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d rules", n)
	}
}

// TestLongSpecCommentLengths: a long rule with a comment of any length
// iptables keeps round-trips; nft's comment TLV holds it up to the 128
// bytes nft reads.
func TestLongSpecCommentLengths(t *testing.T) {
	for n := 1; n <= 255; n++ {
		s := `-s 10.100.100.100/32 -d 10.200.200.200/32 -i interface0123 -o interface4567 -p tcp -m multiport --sports ` + ports15 + ` -m multiport --dports ` + ports15 +
			` -m comment --comment "` + strings.Repeat("c", n) + `" -j LOG --log-prefix "long-rule-prefix-for-tests: "`
		r, err := rule.ParseString(rule.IPv4, s)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		ud, pieces, err := storeRule(r, tr)
		if err != nil || len(pieces) == 0 {
			t.Fatalf("comment of %d bytes: %d pieces, %v", n, len(pieces), err)
		}
		if kept := ud[0] == udComment; kept != (n <= rule.MaxCommentLen) {
			t.Errorf("comment of %d bytes: in nft's comment TLV %v", n, kept)
		}
		got, err := parseStored(rule.IPv4, ud, marshalAll(t, append(tr.Exprs(), pieces...)))
		if err != nil || !got.Equal(r) {
			t.Errorf("comment of %d bytes: read %v, %v", n, got, err)
		}
	}
}

// writeTemp writes s to a file in the test's temporary directory.
func writeTemp(t testing.TB, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "listing.nft")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
