package rule

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtNativeCases are rules of one match that nftsync installs natively in
// its own tables (nft's statement is exact) and as the xtables match
// (xtInfo) when it places them in iptables' own tables:
// TestKernelXtNativeForms proves that form against iptables-nft's.
var xtNativeCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.1-10.0.0.9"},
	{IPv4, "filter", "OUTPUT", "-m iprange ! --dst-range 10.0.0.5"},
	{IPv4, "filter", "FORWARD", "-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 192.168.0.0-192.168.255.255"},
	{IPv6, "filter", "INPUT", "-m iprange ! --src-range fd00::1-fd00::9 --dst-range ::1"},
	{IPv4, "filter", "INPUT", "-m length --length 100"},
	{IPv4, "filter", "OUTPUT", "-m length ! --length 0:1500"},
	{IPv6, "filter", "FORWARD", "-m length --length 1280:65535"},
	{IPv4, "filter", "INPUT", "-m statistic --mode random --probability 0.25"},
	{IPv4, "filter", "INPUT", "-m statistic --mode random ! --probability 0.00001"},
	{IPv6, "filter", "OUTPUT", "-m statistic --mode random --probability 1"},
	{IPv6, "filter", "OUTPUT", "-m statistic --mode random ! --probability 0"},
	{IPv4, "filter", "FORWARD", "-m statistic --mode nth --every 10 --packet 3"},
	{IPv4, "filter", "FORWARD", "-m statistic --mode nth ! --every 1 --packet 0"},
	{IPv6, "filter", "INPUT", "-m statistic --mode nth --every 4294967295 --packet 4294967294"},
	{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 64"},
	{IPv4, "filter", "OUTPUT", "-m ttl ! --ttl-eq 1"},
	{IPv4, "mangle", "PREROUTING", "-m ttl --ttl-lt 5"},
	{IPv4, "filter", "FORWARD", "-m ttl --ttl-gt 254"},
	{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 010"},
	{IPv6, "filter", "INPUT", "-m hl --hl-eq 255"},
	{IPv6, "filter", "OUTPUT", "-m hl ! --hl-eq 0"},
	{IPv6, "mangle", "PREROUTING", "-m hl --hl-lt 2"},
	{IPv6, "filter", "FORWARD", "-m hl --hl-gt 64"},
	{IPv6, "filter", "INPUT", "-m hl --hl-lt 0x10"},
	{IPv4, "filter", "INPUT", "-m pkttype --pkt-type unicast"},
	{IPv4, "filter", "FORWARD", "-m pkttype ! --pkt-type broadcast"},
	{IPv6, "filter", "INPUT", "-m pkttype --pkt-type multicast"},
	{IPv6, "filter", "OUTPUT", "-m pkttype ! --pkt-type otherhost"},
	{IPv4, "filter", "INPUT", "-m mac --mac-source 00:11:22:33:44:55"},
	{IPv6, "mangle", "PREROUTING", "-m mac ! --mac-source AA:bb:CC:dd:EE:ff"},
	{IPv4, "filter", "FORWARD", "-m mac --mac-source ff:ff:ff:ff:ff:ff"},
	{IPv4, "filter", "INPUT", "-m mac --mac-source 0:1:2:3:4:+f"},
	{IPv6, "filter", "FORWARD", "-m mac ! --mac-source -1::a:B:0c:"},
	{IPv4, "filter", "INPUT", "-m realm --realm 0x5"},
	{IPv4, "filter", "OUTPUT", "-m realm ! --realm 0x10/0xf0"},
	{IPv4, "mangle", "POSTROUTING", "-m realm --realm 4294967295"},
	{IPv4, "filter", "INPUT", "-m cpu --cpu 0"},
	{IPv4, "filter", "OUTPUT", "-m cpu ! --cpu 63"},
	{IPv6, "filter", "FORWARD", "-m cpu --cpu 4294967295"},
	// ipt_ah: another struct than ip6t_ah under the same name.
	{IPv4, "filter", "INPUT", "-p ah -m ah ! --ahspi 0:2834079469"},
	{IPv4, "filter", "FORWARD", "-p ah -m ah --ahspi 500"},
	{IPv4, "filter", "OUTPUT", "-p ah -m ah"},
}

// xtRangeCases are rules iptables-legacy accepts with an inverted range,
// which nft refuses: nftsync installs the xtables match (xlateOrXt).
var xtRangeCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.9-10.0.0.1"},
	{IPv6, "filter", "OUTPUT", "-m iprange --src-range ::1-::2 ! --dst-range fd00::9-fd00::1"},
	{IPv4, "filter", "FORWARD", "-m length --length 100:50"},
	{IPv6, "filter", "INPUT", "-m length ! --length 65535:0"},
}

func init() {
	xtCases = append(xtCases, xtRangeCases...)
	// An inverted range never matches; negated, it always does.
	fallbackPacketCases = append(fallbackPacketCases, []struct {
		name, args string
		n, want    int
		send       func() error
	}{
		{"iprange inverted", "-p udp --dport 9 -m iprange --dst-range 127.0.0.9-127.0.0.1", 3, 0, nil},
		{"iprange inverted, negated", "-p udp --dport 9 -m iprange ! --dst-range 127.0.0.9-127.0.0.1", 3, 3, nil},
		{"length inverted", "-p udp --dport 9 -m length --length 100:28", 3, 0, nil},
		{"length inverted, negated", "-p udp --dport 9 -m length ! --length 100:28", 3, 3, nil},
	}...)
}

// TestKernelXtNativeForms adds each xtNativeCases rule with iptables-nft
// (as written and in iptables-save form) and compares the dumped match
// with nftsync's xtables form byte for byte; then iptables-nft-save must
// read that form, installed alone in iptables-nft's chain, as the rule,
// and the kernel must accept it in a table named as nftsync names its own.
func TestKernelXtNativeForms(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	var tables strings.Builder
	for _, fam := range []string{"ip", "ip6"} {
		fmt.Fprintf(&tables, "table %s nftsync-x {\n", fam)
		for _, c := range []struct{ name, hook string }{
			{"PREROUTING", "prerouting"}, {"INPUT", "input"}, {"FORWARD", "forward"}, {"OUTPUT", "output"}, {"POSTROUTING", "postrouting"},
		} {
			fmt.Fprintf(&tables, "\tchain %s { type filter hook %s priority filter; }\n", c.name, c.hook)
		}
		tables.WriteString("}\n")
	}
	ns.NFT(tables.String())
	raw := rawConn(t, ns)
	for _, c := range xtNativeCases {
		r, err := ParseString(c.fam, c.args)
		if err != nil || len(r.Matches) != 1 {
			t.Errorf("%s: want one match, got %v", c.args, err)
			continue
		}
		ext, info, ok := XtForm(r.Matches[0])
		if !ok {
			t.Errorf("%s: -m %s has no xtables form", c.args, r.Matches[0].Name())
			continue
		}
		if tr, err := r.Translate(); err != nil || tr.Compat() {
			t.Errorf("%s: not installed natively in nftsync's tables (%v)", c.args, err)
		}
		// What list prints places the same bytes again.
		if again, err := ParseString(c.fam, r.String()); err != nil {
			t.Errorf("%s: its iptables-save form %q: %v", c.args, r.String(), err)
		} else if _, b, _ := XtForm(again.Matches[0]); !bytes.Equal(b, info) {
			t.Errorf("%s: info %x, from its iptables-save form %q: %x", c.args, info, r.String(), b)
		}
		fam, tool := byte(unix.NFPROTO_IPV4), "iptables-nft"
		if c.fam == IPv6 {
			fam, tool = unix.NFPROTO_IPV6, "ip6tables-nft"
		}
		e, err := ext.Expr(info)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := MarshalExpr(fam, e)
		if err != nil {
			t.Fatal(err)
		}
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		written, _ := SplitArgs(c.args)
		for _, args := range [][]string{r.Args(), written} {
			ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, args...)...)
		}
		rules, err := rawRuleExprs(raw, fam, c.table, c.chain)
		if err != nil || len(rules) != 2 {
			t.Fatalf("%s: dumping iptables-nft's rules: %d rules, %v", c.args, len(rules), err)
		}
		for i, rl := range rules {
			if kern := findXtElem(rl, ext); kern == nil {
				t.Errorf("%s: iptables-nft's rule has no %s (%d expressions)", c.args, ext, len(rl))
			} else if got := clearNested(ours); !bytes.Equal(got, kern) {
				t.Errorf("%s: %s (%s):\n  iptables-nft: %x\n  nftsync:      %x", c.args, ext, []string{"iptables-save form", "as written"}[i], kern, got)
			}
		}
		// The rule's -p as iptables-nft writes it, with the protocol in
		// NFTA_RULE_COMPAT for a match bound to it (ipt_ah).
		all, compat := [][]byte{ours}, []byte(nil)
		if proto, invert, ok := r.CompatProto(); ok {
			p, err := rawMarshalExprs(fam, []expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, cmp(invert, []byte{proto})})
			if err != nil {
				t.Fatal(err)
			}
			all, compat = append(p, ours), compatAttr(t, proto, invert)
		}
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		if err := rawAddRule(raw, fam, c.table, c.chain, all, nil, compat); err != nil {
			t.Errorf("%s: adding nftsync's %s to iptables-nft's chain: %v", c.args, ext, err)
		} else if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+r.String(); !sameArgs(got, want) {
			t.Errorf("%s: %s-save reads nftsync's %s as\n  %s\nwant\n  %s", c.args, tool, ext, got, want)
		}
		if err := rawAddRule(raw, fam, "nftsync-x", c.chain, all, nil, compat); err != nil {
			t.Errorf("%s: the kernel refuses nftsync's %s in table nftsync-x: %v", c.args, ext, err)
		}
	}
}
