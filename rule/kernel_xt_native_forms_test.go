package rule

import (
	"bytes"
	"encoding/binary"

	"net"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtNativeFormCases are rules of matches that nftsync installs natively
// in its own tables but that also have an xtables form (xtInfo), which
// the nft engine writes when it places a rule in iptables' own tables:
// the form must be byte for byte what iptables-nft writes. byIptables is
// false for the matches iptables-nft 1.8.9 writes natively itself (mark,
// limit): their form is iptables-legacy's, proven by iptables-nft-save
// reading it back as the rule.
var xtNativeFormCases = []struct {
	xtCase
	byIptables bool
}{
	{xtCase{IPv4, "filter", "INPUT", "-m connmark --mark 0x5/0xff"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m connmark ! --mark 4294967295"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m dscp ! --dscp 10"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-m dscp --dscp-class AF41"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-p tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 1"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m ecn ! --ecn-ip-ect 3"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m devgroup ! --src-group 0x2 --dst-group 0x100/0xff"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m devgroup --src-group 5"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m cgroup --cgroup 5"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m cgroup ! --cgroup 0x100001"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m cgroup --path /"}, true},
	{xtCase{IPv6, "mangle", "POSTROUTING", "-m cgroup ! --path /"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-p esp -m esp ! --espspi 5:70000"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-p esp -m esp"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-p 135 -m mh ! --mh-type 4:5"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-p 135 -m mh --mh-type binding-update"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-p 135 -m mh"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-p ah -m ah ! --ahspi 4294967295"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-p ah -m ah --ahspi 5:6"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-p ah -m ah"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m state ! --state NEW,ESTABLISHED"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m state --state INVALID,UNTRACKED,RELATED"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-p icmp -m icmp --icmp-type 255"}, true},
	// For an IPv4 host address iptables sets the 12 mask bytes the kernel
	// does not read (see Conntrack.xtInfo): read back only.
	{xtCase{IPv4, "filter", "INPUT", "-m conntrack --ctorigsrc 10.1.2.3/255.0.255.0"}, false},
	{xtCase{IPv6, "filter", "INPUT", "-m conntrack ! --ctrepldst fd00::1/ffff::ff"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m mark ! --mark 0x5/0xff"}, false},
	{xtCase{IPv6, "filter", "OUTPUT", "-m mark --mark 4294967295"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-m limit --limit 3/min"}, false},
	{xtCase{IPv6, "filter", "INPUT", "-m limit --limit 7/day --limit-burst 1"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-m iprange --src-range 10.0.0.1-10.0.0.9"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m iprange ! --dst-range 10.0.0.5"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 192.168.0.0-192.168.255.255"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m iprange ! --src-range fd00::1-fd00::9 --dst-range ::1"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m length --length 100"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m length ! --length 0:1500"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-m length --length 1280:65535"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m statistic --mode random --probability 0.25"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m statistic --mode random ! --probability 0.00001"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m statistic --mode random --probability 1"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m statistic --mode random ! --probability 0"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m statistic --mode nth --every 10 --packet 3"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m statistic --mode nth ! --every 1 --packet 0"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m statistic --mode nth --every 4294967295 --packet 4294967294"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 64"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m ttl ! --ttl-eq 1"}, true},
	{xtCase{IPv4, "mangle", "PREROUTING", "-m ttl --ttl-lt 5"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m ttl --ttl-gt 254"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m ttl --ttl-eq 010"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m hl --hl-eq 255"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m hl ! --hl-eq 0"}, true},
	{xtCase{IPv6, "mangle", "PREROUTING", "-m hl --hl-lt 2"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-m hl --hl-gt 64"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m hl --hl-lt 0x10"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m pkttype --pkt-type unicast"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m pkttype ! --pkt-type broadcast"}, true},
	{xtCase{IPv6, "filter", "INPUT", "-m pkttype --pkt-type multicast"}, true},
	{xtCase{IPv6, "filter", "OUTPUT", "-m pkttype ! --pkt-type otherhost"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m mac --mac-source 00:11:22:33:44:55"}, true},
	{xtCase{IPv6, "mangle", "PREROUTING", "-m mac ! --mac-source AA:bb:CC:dd:EE:ff"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-m mac --mac-source ff:ff:ff:ff:ff:ff"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m mac --mac-source 0:1:2:3:4:+f"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-m mac ! --mac-source -1::a:B:0c:"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m realm --realm 0x5"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m realm ! --realm 0x10/0xf0"}, true},
	{xtCase{IPv4, "mangle", "POSTROUTING", "-m realm --realm 4294967295"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-m cpu --cpu 0"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-m cpu ! --cpu 63"}, true},
	{xtCase{IPv6, "filter", "FORWARD", "-m cpu --cpu 4294967295"}, true},
	{xtCase{IPv4, "filter", "INPUT", "-p ah -m ah ! --ahspi 0:2834079469"}, true},
	{xtCase{IPv4, "filter", "FORWARD", "-p ah -m ah --ahspi 500"}, true},
	{xtCase{IPv4, "filter", "OUTPUT", "-p ah -m ah"}, true},
}

// TestKernelXtNativeForms proves the xtables form of each
// xtNativeFormCases rule: its bytes equal iptables-nft's for the rule as
// written and in iptables-save form, iptables-nft-save reads the form
// (after the rule's -p) back as the rule, and the kernel accepts it in a
// table named as nftsync names its tables.
func TestKernelXtNativeForms(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	ns.NFT(nftsyncXTables)
	raw := rawConn(t, ns)
	for _, c := range xtNativeFormCases {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		var enc xtEncoder
		for _, m := range r.Matches {
			if e, ok := m.(xtEncoder); ok && enc == nil {
				enc = e
			}
		}
		if enc == nil {
			t.Errorf("%s: no match with an xtables form", c.args)
			continue
		}
		ext, info := enc.xtInfo()
		fam, tool := byte(unix.NFPROTO_IPV4), "iptables-nft"
		if c.fam == IPv6 {
			fam, tool = unix.NFPROTO_IPV6, "ip6tables-nft"
		}
		x, err := ext.Expr(info)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		ours, err := MarshalExpr(fam, x)
		if err != nil {
			t.Fatal(err)
		}
		if c.byIptables {
			ns.Exec(tool, "-t", c.table, "-F", c.chain)
			ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, r.Args()...)...)
			written, _ := SplitArgs(c.args)
			ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
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
		}
		// iptables-nft-save reads the form back: -p as iptables-nft
		// writes it, then the extension.
		var all []expr.Any
		if r.Proto.Set {
			all = append(all, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{r.Proto.Num}})
		}
		elems, err := rawMarshalExprs(fam, append(all, x))
		if err != nil {
			t.Fatal(err)
		}
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		compat := protoCompat(t, r)
		if err := rawAddRule(raw, fam, c.table, c.chain, elems, nil, compat); err != nil {
			t.Errorf("%s: adding the xtables form to iptables-nft's chain: %v", c.args, err)
		} else if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+r.String(); !sameArgs(got, want) {
			t.Errorf("%s: %s-save reads the xtables form as\n  %s\nwant\n  %s", c.args, tool, got, want)
		}
		if err := rawAddRule(raw, fam, "nftsync-x", c.chain, elems, nil, compat); err != nil {
			t.Errorf("%s: the kernel refuses %s in table nftsync-x: %v", c.args, ext, err)
		}
	}
}

// protoCompat encodes NFTA_RULE_COMPAT for the rule's -p, as iptables-nft
// sends it with an xtables extension, or nil without -p.
func protoCompat(t *testing.T, r *Rule) []byte {
	t.Helper()
	if !r.Proto.Set {
		return nil
	}
	return compatAttr(t, r.Proto.Num, r.Proto.Invert)
}

// xtNewCases are rules nftsync now installs through their xtables
// extension in its own tables: cgroup v2 paths (no native form), and
// type 255 of icmp negated (any ICMP packet, negated).
var xtNewCases = []xtCase{
	{IPv4, "filter", "OUTPUT", "-m cgroup ! --path /"},
	{IPv6, "filter", "INPUT", "-m cgroup --path /"},
	{IPv4, "filter", "INPUT", "-p icmp -m icmp ! --icmp-type 255"},
}

func init() { xtCases = append(xtCases, xtNewCases...) }

// Every socket is in a descendant of the cgroup v2 root, and in no other
// cgroup when no cgroup v2 hierarchy is in use; xt_cgroup with --path
// must count as iptables-legacy's rule counts.
func init() {
	fallbackPacketCases = append(fallbackPacketCases, []struct {
		name, args string
		n, want    int
		send       func() error
	}{
		{"cgroup v2 root path", "-p udp --dport 9 -m cgroup --path /", 2, 2, nil},
		{"cgroup v2 root path negated", "-p udp --dport 9 -m cgroup ! --path /", 2, 0, nil},
		// Type 255 is any ICMP packet, whatever the code: the echo
		// requests and their replies.
		{"icmp type 255 is any", "-p icmp -m icmp --icmp-type 255/3", 0, -1, icmpEchoes(2)},
		{"icmp type 255 negated", "-p icmp -m icmp ! --icmp-type 255/3", 0, 0, icmpEchoes(2)},
	}...)
}

// icmpEchoes sends n ICMP echo requests to 127.0.0.1 from a raw socket.
func icmpEchoes(n int) func() error {
	return func() error {
		c, err := net.ListenPacket("ip4:icmp", "127.0.0.1")
		if err != nil {
			return err
		}
		defer c.Close()
		for i := 0; i < n; i++ {
			msg := []byte{8, 0, 0, 0, 0x12, 0x34, 0, byte(i)}
			binary.BigEndian.PutUint16(msg[2:], netnstest.ICMPChecksum(msg))
			if _, err := c.WriteTo(msg, &net.IPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
				return err
			}
		}
		return nil
	}
}
