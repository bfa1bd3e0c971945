package rule

import (
	"bytes"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtTargetCases are the targets nftsync knows only as xtables extensions
// (TTL, HL, ECN, ...). They join xtCases, so that TestKernelXtInfo proves
// their bytes equal iptables-nft's and that the kernel refuses exactly the
// table-bound ones in nftsync's tables.
var xtTargetCases = []xtCase{
	{IPv4, "mangle", "PREROUTING", "-j TTL --ttl-set 0"},
	{IPv4, "mangle", "FORWARD", "-j TTL --ttl-dec 1"},
	{IPv4, "mangle", "POSTROUTING", "-s 10.0.0.0/8 -j TTL --ttl-inc 0xff"},
	{IPv6, "mangle", "PREROUTING", "-j HL --hl-set 64"},
	{IPv6, "mangle", "OUTPUT", "-j HL --hl-dec 2"},
	{IPv6, "mangle", "FORWARD", "-j HL --hl-inc 1"},
	{IPv4, "mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-remove"},
	{IPv4, "mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-cwr 0 --ecn-tcp-ece 0"},
	{IPv4, "mangle", "FORWARD", "-p tcp -j ECN --ecn-tcp-cwr 1 --ecn-tcp-ece 0 --ecn-ip-ect 2"},
	{IPv4, "mangle", "OUTPUT", "-p tcp -j ECN --ecn-tcp-ece 1"},
	{IPv4, "mangle", "POSTROUTING", "-j ECN --ecn-ip-ect 3"},
	{IPv4, "mangle", "POSTROUTING", "-p udp -j CHECKSUM --checksum-fill"},
	{IPv6, "mangle", "OUTPUT", "-j CHECKSUM --checksum-fill"},
	{IPv4, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP --strip-options mss,wscale,0x13,sack-permitted,255"},
	{IPv6, "mangle", "FORWARD", "-p tcp -j TCPOPTSTRIP"},
	{IPv6, "mangle", "POSTROUTING", "-p tcp -j TCPOPTSTRIP --strip-options timestamp,sack,md5,2"},
	{IPv4, "nat", "PREROUTING", "-d 1.2.3.0/24 -j NETMAP --to 10.0.0.5/24"},
	{IPv4, "nat", "POSTROUTING", "-j NETMAP --to 10.0.0.0/255.255.0.0"},
	{IPv4, "nat", "OUTPUT", "-j NETMAP --to 10.1.2.3"},
	{IPv4, "nat", "INPUT", "-j NETMAP --to 10.0.0.0/0"},
	{IPv6, "nat", "PREROUTING", "-j NETMAP --to 2001:db8::5/64"},
	{IPv6, "nat", "POSTROUTING", "-j NETMAP --to 2001:db8::1"},
	{IPv6, "mangle", "PREROUTING", "-j DNPT --src-pfx 2001:db8:1:2::/64 --dst-pfx 2001:db9::/48"},
	{IPv6, "mangle", "OUTPUT", "-j DNPT --src-pfx 8000::/1 --dst-pfx fd00::/8"},
	{IPv6, "mangle", "POSTROUTING", "-j SNPT --src-pfx 2001:db8::/56 --dst-pfx 2001:db9:a::/64"},
	{IPv6, "mangle", "INPUT", "-j SNPT --src-pfx fd00:1::/32 --dst-pfx 2001:db9::/32"},
	{IPv4, "mangle", "INPUT", "-j CONNSECMARK --save"},
	{IPv6, "mangle", "FORWARD", "-j CONNSECMARK --restore"},
	{IPv4, "security", "OUTPUT", "-j CONNSECMARK --restore"},
	{IPv4, "raw", "PREROUTING", "-j CT --zone 5"},
	{IPv4, "raw", "OUTPUT", "-j CT"},
	{IPv6, "raw", "PREROUTING", "-j CT --zone-orig 0x10"},
	{IPv4, "raw", "PREROUTING", "-j CT --zone-reply MARK"},
	{IPv4, "raw", "PREROUTING", "-j CT --zone-orig 0"},
	{IPv4, "raw", "OUTPUT", "-j CT --ctevents reply,new,secmark --expevents new --zone 65535"},
	{IPv4, "raw", "PREROUTING", "-p tcp -j CT --helper ftp"},
	{IPv6, "raw", "OUTPUT", "-p udp -j CT --notrack --helper tftp --ctevents assured,natseqinfo"},
	{IPv4, "mangle", "PREROUTING", "-j TEE --gateway 1.2.3.4 --oif eth0"},
	{IPv4, "filter", "OUTPUT", "-j TEE --gateway 10.0.0.1 --oif this-name-is-too-long"},
	{IPv6, "mangle", "POSTROUTING", "-j TEE --gateway ab12:00a1:1112:acba:: --oif veth-x"},
	{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 0x10 --hmark-rnd 0xdeadbeef --hmark-offset 100"},
	{IPv4, "filter", "FORWARD", "-j HMARK --hmark-src-prefix 16 --hmark-dst-prefix 0 --hmark-rnd 5 --hmark-mod 3"},
	{IPv4, "filter", "INPUT", "-j HMARK --hmark-tuple CT,S --hmark-sport-mask 0x0101 --hmark-proto-mask 0x1ff --hmark-rnd 1 --hmark-mod 4294967295 --hmark-offset 0"},
	{IPv6, "mangle", "POSTROUTING", "-j HMARK --hmark-tuple src,dport --hmark-dst-prefix 48 --hmark-rnd 0 --hmark-mod 1"},
	{IPv6, "filter", "OUTPUT", "-j HMARK --hmark-tuple ct --hmark-rnd 0x7 --hmark-mod 7"},
	// Timer labels are global to the kernel: these are nftsync's tests'.
	{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 0x10 --label nftsync-test-idle"},
	{IPv4, "filter", "FORWARD", "-i eth0 -j IDLETIMER --timeout 2147482 --label nftsync-test-idle2-truncated-here"},
	{IPv6, "filter", "OUTPUT", "-j IDLETIMER --timeout 1 --label nftsync-test-alarm --alarm"},
	{IPv4, "filter", "INPUT", "-j RATEEST --rateest-name abcdefghijklmnopq --rateest-interval 1 --rateest-ewmalog 4"},
	{IPv4, "filter", "OUTPUT", "-j RATEEST --rateest-name r1 --rateest-interval 8s --rateest-ewmalog 16s"},
	{IPv6, "filter", "FORWARD", "-j RATEEST --rateest-name r2 --rateest-interval 300MSEC --rateest-ewmalog 1000000"},
	{IPv6, "mangle", "POSTROUTING", "-j RATEEST --rateest-name r3 --rateest-interval 0.25s --rateest-ewmalog 2048.0s"},
}

// xtProtoTargetCases are targets whose checkentry wants the rule's -p,
// which nft_compat takes from NFTA_RULE_COMPAT: TestKernelXtInfo adds
// nftsync's expression without it, so these are proven by
// TestKernelXtProtoTargets (bytes) and nft's TestXtTargetsConverge (the
// engine sends the attribute).
var xtProtoTargetCases = []xtCase{
	{IPv4, "filter", "INPUT", "-p tcp -j SYNPROXY --ecn"},
	{IPv4, "filter", "FORWARD", "-p tcp -j SYNPROXY --ecn --mss 1460 --wscale 7 --timestamp --sack-perm"},
	{IPv6, "filter", "INPUT", "-p tcp --dport 80 -j SYNPROXY --sack-perm --ecn --wscale 0"},
}

// TestKernelXtProtoTargets checks the bytes of xtProtoTargetCases against
// iptables-nft's, as TestKernelXtInfo does for the others.
func TestKernelXtProtoTargets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	raw := rawConn(t, ns)
	for _, c := range xtProtoTargetCases {
		checkXtBytes(t, ns, raw, c)
	}
}

// checkXtBytes adds the case's rule with iptables-nft and checks that its
// xt expression is byte-equal to nftsync's.
func checkXtBytes(t *testing.T, ns *netnstest.NS, raw *netlink.Conn, c xtCase) {
	t.Helper()
	r, err := ParseString(c.fam, c.args)
	if err != nil {
		t.Errorf("%s: %v", c.args, err)
		return
	}
	ext := xtOf(r)
	ours, err := ourXtExpr(r, ext)
	if err != nil {
		t.Errorf("%s: %v", c.args, err)
		return
	}
	fam, tool := byte(unix.NFPROTO_IPV4), "iptables-nft"
	if c.fam == IPv6 {
		fam, tool = unix.NFPROTO_IPV6, "ip6tables-nft"
	}
	written, _ := SplitArgs(c.args)
	ns.Exec(tool, "-t", c.table, "-F", c.chain)
	ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
	rules, err := rawRuleExprs(raw, fam, c.table, c.chain)
	if err != nil || len(rules) != 1 {
		t.Fatalf("%s: dumping iptables-nft's rule: %d rules, %v", c.args, len(rules), err)
	}
	if kern := findXtElem(rules[0], ext); !bytes.Equal(clearNested(ours), kern) {
		t.Errorf("%s: %s:\n  iptables-nft: %x\n  nftsync:      %x", c.args, ext, kern, clearNested(ours))
	}
}

// TestKernelCTTimeout proves CT --timeout, which needs a conntrack timeout
// policy of that name (nfnetlink_cttimeout, which the test creates): the
// bytes equal iptables-nft's, and iptables-legacy-save prints the rule as
// nftsync does. A name over 4 bytes, which iptables accepts, is refused:
// the kernel dumps only 4 bytes of it.
func TestKernelCTTimeout(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "iptables-legacy")
	ns := netnstest.New(t)
	raw := rawConn(t, ns)
	for _, name := range []string{"tcp1", "tcp-long"} {
		if err := newCTTimeoutPolicy(raw, name, unix.AF_INET, unix.IPPROTO_TCP); err != nil {
			t.Fatalf("creating the timeout policy: %v", err)
		}
	}
	c := xtCase{IPv4, "raw", "PREROUTING", "-p tcp -j CT --timeout tcp1 --zone 3"}
	checkXtBytes(t, ns, raw, c)
	r, err := ParseString(c.fam, c.args)
	if err != nil {
		t.Fatal(err)
	}
	ns.Exec("iptables-legacy", "-t", c.table, "-A", c.chain, "-p", "tcp", "-j", "CT", "--timeout", "tcp1", "--zone", "3")
	if got, want := savedRule(ns.Exec("iptables-legacy-save", "-t", c.table), c.chain), "-A "+c.chain+" "+r.String(); got != want {
		t.Errorf("%s: iptables-legacy-save prints\n  %s\nnftsync\n  %s", c.args, got, want)
	}
	long := "-p tcp -j CT --timeout tcp-long"
	ns.Exec("iptables-legacy", "-t", "raw", "-A", "OUTPUT", "-p", "tcp", "-j", "CT", "--timeout", "tcp-long")
	if _, err := ParseString(IPv4, long); !errors.Is(err, ErrUnsupported) {
		t.Errorf("%s: %v; want it refused (the kernel dumps 4 bytes of the name)", long, err)
	}
}

// newCTTimeoutPolicy creates a conntrack timeout policy (the kernel's
// defaults) through nfnetlink_cttimeout, as "nfct add timeout" does.
func newCTTimeoutPolicy(c *netlink.Conn, name string, l3 uint16, l4 uint8) error {
	const (
		subsysTimeout   = 8 // NFNL_SUBSYS_CTNETLINK_TIMEOUT
		msgTimeoutNew   = 0 // IPCTNL_MSG_TIMEOUT_NEW
		attrName        = 1 // CTA_TIMEOUT_NAME
		attrL3Proto     = 2
		attrL4Proto     = 3
		attrTimeoutData = 4
	)
	ae := netlink.NewAttributeEncoder()
	ae.String(attrName, name)
	ae.Uint16(attrL3Proto, l3<<8|l3>>8) // big-endian
	ae.Uint8(attrL4Proto, l4)
	ae.Nested(attrTimeoutData, func(*netlink.AttributeEncoder) error { return nil })
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(subsysTimeout<<8 | msgTimeoutNew), Flags: netlink.Request | netlink.Acknowledge | netlink.Create},
		Data:   append(nfgenmsg(unix.AF_INET, 0), attrs...),
	})
	return err
}

func init() {
	xtCases = append(xtCases, xtTargetCases...)
	// FuzzParse starts from the targets' rules too.
	for _, c := range append(xtTargetCases, xtProtoTargetCases...) {
		if c.fam == IPv6 {
			fuzzSeeds6 = append(fuzzSeeds6, c.args)
		} else {
			fuzzSeeds = append(fuzzSeeds, c.args)
		}
	}
	// iptables keeps the direction of zone 0, which means the default
	// zone in both directions, and leaves it out of its save: nftsync
	// writes the save's bytes.
	canonOnly["-j CT --zone-orig 0"] = true
	// HMARK's tuple src/dst set all 16 mask bytes, which IPv4 saves (and
	// the kernel reads) as its first 4.
	canonOnly["-j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 0x10 --hmark-rnd 0xdeadbeef --hmark-offset 100"] = true
	canonOnly["-j HMARK --hmark-tuple CT,S --hmark-sport-mask 0x0101 --hmark-proto-mask 0x1ff --hmark-rnd 1 --hmark-mod 4294967295 --hmark-offset 0"] = true
}

// TestKernelXtTargetsSave checks each target's canonical arguments
// against iptables-legacy-save: the rule as written, added with
// iptables-legacy in a scratch namespace, must save as nftsync prints it.
func TestKernelXtTargetsSave(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip6tables-legacy")
	ns := netnstest.New(t)
	for _, c := range append(xtTargetCases, xtProtoTargetCases...) {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		tool := "iptables-legacy"
		if c.fam == IPv6 {
			tool = "ip6tables-legacy"
		}
		written, _ := SplitArgs(c.args)
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
		if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+r.String(); got != want {
			t.Errorf("%s: %s-save prints\n  %s\nnftsync\n  %s", c.args, tool, got, want)
		}
	}
}

// TestXtTargetsRefused checks the reasons nftsync gives for a table-bound
// target: the table the kernel demands and placement as the way.
func TestXtTargetsRefused(t *testing.T) {
	for _, c := range xtTargetCases {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		ext := xtOf(r)
		if ext == nil || ext.Installable() == nil {
			continue
		}
		_, err = r.Translate()
		want := "through placement in iptables' own " + strings.SplitN(ext.Table, "|", 2)[0] + " table"
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "-j "+r.Target.Name()) {
			t.Errorf("%s: %v; want a refusal naming -j %s and %q", c.args, err, r.Target.Name(), want)
		}
	}
}

// xtTargetBad are target rules nftsync refuses when parsing. iptables
// refuses them too (itself or through the kernel's checkentry), except
// those marked deliberate, which iptables accepts but cannot list back.
var xtTargetBad = []struct {
	xtCase
	deliberate bool
}{
	{xtCase{IPv4, "mangle", "PREROUTING", "-j TTL --ttl-dec 0"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j TTL --ttl-set 256"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j TTL --ttl-set 5 --ttl-dec 1"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j TTL --ttl-set 5 --ttl-set 6"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j TTL"}, false},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j HL --hl-inc 0"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j ECN"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j ECN --ecn-tcp-remove"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "! -p tcp -j ECN --ecn-tcp-cwr 1"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-remove --ecn-tcp-cwr 1"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-cwr 2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j ECN --ecn-ip-ect 4"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j CHECKSUM"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP --strip-options 1"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP --strip-options mss,2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP --strip-options 256"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP --strip-options ,2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-p udp -j TCPOPTSTRIP"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 0 --label nftsync-test-bad"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 2147483 --label nftsync-test-bad"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 1 --label power"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 1 --label a/b"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 1 --label .."}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j IDLETIMER --timeout 1"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j RATEEST --rateest-name b1 --rateest-interval 9s --rateest-ewmalog 40s"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j RATEEST --rateest-name b2 --rateest-interval 1 --rateest-ewmalog 1"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j RATEEST --rateest-name b3 --rateest-interval 1min --rateest-ewmalog 1"}, false},
	{xtCase{IPv4, "filter", "INPUT", "-j RATEEST --rateest-name b4 --rateest-interval 1s"}, false},
	{xtCase{IPv4, "nat", "PREROUTING", "-j NETMAP"}, false},
	{xtCase{IPv4, "nat", "PREROUTING", "-j NETMAP --to 10.0.0.0/24 --to 10.0.1.0/24"}, false},
	{xtCase{IPv4, "nat", "PREROUTING", "-j NETMAP --to 10.0.0.0/255.0.255.0"}, true},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j DNPT --src-pfx 2001:db8::1/64 --dst-pfx 2001:db9::/64"}, false},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j DNPT --src-pfx 2001:db8:: --dst-pfx 2001:db9::/64"}, false},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j DNPT --src-pfx 2001:db8::/65 --dst-pfx 2001:db9::/64"}, false},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j DNPT --dst-pfx 2001:db9::/64"}, false},
	{xtCase{IPv6, "mangle", "PREROUTING", "-j DNPT --src-pfx ::/0 --dst-pfx 2001:db9::/64"}, true},
	{xtCase{IPv4, "mangle", "INPUT", "-j CONNSECMARK --save --restore"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple src --hmark-mod 10"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple src --hmark-rnd 1"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-rnd 1 --hmark-mod 2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple src --hmark-src-prefix 8 --hmark-rnd 1 --hmark-mod 2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple src, --hmark-rnd 1 --hmark-mod 2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple srcx --hmark-rnd 1 --hmark-mod 2"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-tuple dst --hmark-rnd 1 --hmark-mod 0"}, false},
	{xtCase{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-src-prefix 33 --hmark-rnd 1 --hmark-mod 2"}, true},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --zone 65536"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --helper ftp"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "! -p tcp -j CT --helper ftp"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --timeout abcd"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --ctevents NEW"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --ctevents new,"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --ctevents label"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --expevents new,related"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --zone 5 --zone 6"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --notrack --notrack"}, false},
	{xtCase{IPv4, "raw", "PREROUTING", "-j CT --zone-orig 5 --zone-reply 6"}, true},
	{xtCase{IPv4, "mangle", "INPUT", "-j CONNSECMARK"}, false},
}

// TestKernelXtTargetsBad checks that nftsync refuses each bad rule and
// that iptables-legacy refuses it too, unless nftsync's refusal is
// deliberate (then iptables must accept it, or the entry is stale).
func TestKernelXtTargetsBad(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip6tables-legacy")
	ns := netnstest.New(t)
	for _, c := range xtTargetBad {
		if r, err := ParseString(c.fam, c.args); err == nil {
			t.Errorf("%s: nftsync accepts it as %s", c.args, r)
		}
		tool := "iptables-legacy"
		if c.fam == IPv6 {
			tool = "ip6tables-legacy"
		}
		written, _ := SplitArgs(c.args)
		_, err := ns.TryExec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
		if (err == nil) != c.deliberate {
			t.Errorf("%s: %s answers %v, want it to %s", c.args, tool, err, map[bool]string{true: "accept", false: "refuse"}[c.deliberate])
		}
	}
}

// TestRefusedTargets checks that the targets iptables knows and nftsync
// refuses say why, instead of being read as a jump to a chain.
func TestRefusedTargets(t *testing.T) {
	for _, args := range []string{"-j SET --add-set s src", "-j SECMARK --selctx system_u:object_r:ssh_packet_t:s0",
		"-j LED --led-trigger-id x", "-j CLUSTERIP --new", "-j ULOG"} {
		_, err := ParseString(IPv4, args)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "target not installed: ") {
			t.Errorf("%s: %v; want a refusal saying why", args, err)
		}
	}
}

// TestKernelHMarkPackets sends the same UDP datagrams (fixed ports, so the
// same tuples) through nftsync's HMARK rule in one namespace and
// iptables-legacy's in another: the rule after it must count the same
// packets marked 10 (of marks 10 and 11), some but not all of them.
func TestKernelHMarkPackets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip")
	const (
		hmark = "-p udp -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-rnd 0x1234 --hmark-mod 2 --hmark-offset 10"
		count = "-p udp -m mark --mark 10"
		n     = 20
	)
	send := func() error {
		to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
		for p := 20000; p < 20000+n; p++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				return err
			}
			_, err = c.WriteTo([]byte("x"), to)
			c.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}

	ours := netnstest.New(t)
	ours.Exec("ip", "link", "set", "lo", "up")
	ours.NFT("table ip nftsync-x { chain OUTPUT { type filter hook output priority filter; }; }")
	raw := rawConn(t, ours)
	for _, args := range []string{hmark, count} {
		r, err := ParseString(IPv4, args)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		all, err := rawMarshalExprs(unix.NFPROTO_IPV4, tr.Exprs())
		if err != nil {
			t.Fatal(err)
		}
		if err := rawAddRule(raw, unix.NFPROTO_IPV4, "nftsync-x", "OUTPUT", all, nil); err != nil {
			t.Fatalf("%s: %v", args, err)
		}
	}
	legacy := netnstest.New(t)
	legacy.Exec("ip", "link", "set", "lo", "up")
	for _, args := range []string{hmark, count} {
		a, _ := SplitArgs(args)
		legacy.Exec("iptables-legacy", append([]string{"-A", "OUTPUT"}, a...)...)
	}
	for _, ns := range []*netnstest.NS{ours, legacy} {
		if err := ns.Do(send); err != nil {
			t.Fatal(err)
		}
	}
	got := countOf(t, regexp.MustCompile(`mark 0x0000000a counter packets (\d+)`), ours.Exec("nft", "list", "chain", "ip", "nftsync-x", "OUTPUT"))
	want := countOf(t, regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s.*mark match 0xa`), legacy.Exec("iptables-legacy", "-L", "OUTPUT", "-v", "-x", "-n"))
	t.Logf("marked 10: iptables-legacy %d, nftsync %d of %d", want, got, n)
	if want == 0 || want == n || got != want {
		t.Errorf("marked 10: iptables-legacy %d, nftsync %d of %d; want equal, neither 0 nor all", want, got, n)
	}
}

// TestXtTargetsCanonical checks that each target's iptables-save form
// parses back to the same form and the same xt info.
func TestXtTargetsCanonical(t *testing.T) {
	for _, c := range append(xtTargetCases, xtProtoTargetCases...) {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		again, err := ParseString(c.fam, r.String())
		if err != nil {
			t.Errorf("%s: its iptables-save form %q: %v", c.args, r.String(), err)
			continue
		}
		ext := xtOf(r)
		a, _ := xtInfoOf(r, ext)
		b, _ := xtInfoOf(again, ext)
		if again.String() != r.String() || !bytes.Equal(a, b) {
			t.Errorf("%s: %q (info %x) reads back as %q (info %x)", c.args, r.String(), a, again.String(), b)
		}
	}
}
