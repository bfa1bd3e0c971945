package rule

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtFormCases are rules of targets nftsync installs natively in its own
// tables and as their xtables form (rule.XtForm) where it places them in
// iptables-nft's own tables: NAT targets, DSCP, CLASSIFY, TCPMSS, ...
// TestKernelXtForms proves that form against iptables-nft's.
var xtFormCases = []xtCase{
	{IPv4, "mangle", "OUTPUT", "-j CLASSIFY --set-class 1:2"},
	{IPv6, "mangle", "POSTROUTING", "-j CLASSIFY --set-class ffff:ffff"},
	{IPv4, "mangle", "FORWARD", "-j CLASSIFY --set-class 0:0"},
	{IPv4, "mangle", "OUTPUT", "-j DSCP --set-dscp 10"},
	{IPv4, "mangle", "PREROUTING", "-j DSCP --set-dscp-class AF41"},
	{IPv6, "mangle", "INPUT", "-j DSCP --set-dscp 0x3f"},
	{IPv4, "mangle", "OUTPUT", "-p tcp -j TCPMSS --set-mss 1400"},
	{IPv4, "mangle", "FORWARD", "-p tcp -j TCPMSS --clamp-mss-to-pmtu"},
	{IPv6, "mangle", "POSTROUTING", "-p tcp -j TCPMSS --set-mss 0"},
	{IPv4, "filter", "INPUT", "-j AUDIT --type accept"},
	{IPv4, "mangle", "PREROUTING", "-j AUDIT --type drop"},
	{IPv6, "filter", "OUTPUT", "-j AUDIT --type reject"},
	{IPv4, "raw", "OUTPUT", "-j NOTRACK"},
	{IPv6, "raw", "PREROUTING", "-j NOTRACK"},
	{IPv4, "raw", "PREROUTING", "-j TRACE"},
	{IPv6, "raw", "OUTPUT", "-j TRACE"},
	{IPv4, "nat", "OUTPUT", "-j REDIRECT"},
	{IPv4, "nat", "PREROUTING", "-p tcp -j REDIRECT --to-ports 8080"},
	{IPv4, "nat", "PREROUTING", "-p udp -j REDIRECT --to-ports 1000-2000 --random"},
	{IPv6, "nat", "OUTPUT", "-p tcp -j REDIRECT --to-ports 5-6"},
	{IPv6, "nat", "PREROUTING", "-j REDIRECT --random"},
	{IPv4, "nat", "POSTROUTING", "-j MASQUERADE"},
	{IPv4, "nat", "POSTROUTING", "-p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully"},
	{IPv6, "nat", "POSTROUTING", "-p udp -j MASQUERADE --to-ports 5 --random"},
	{IPv4, "nat", "POSTROUTING", "-j SNAT --to-source 1.2.3.4"},
	{IPv4, "nat", "INPUT", "-p tcp -j SNAT --to-source 1.2.3.4-1.2.3.9:1000-2000 --random --persistent"},
	{IPv6, "nat", "POSTROUTING", "-p tcp -j SNAT --to-source [fd00::1]:80 --random-fully"},
	{IPv4, "nat", "PREROUTING", "-p tcp -j DNAT --to-destination :8080"},
	{IPv6, "nat", "OUTPUT", "-j DNAT --to-destination fd00::1-fd00::2 --persistent"},
	{IPv4, "mangle", "OUTPUT", "-j MARK --set-xmark 0x1/0xff"},
	{IPv6, "filter", "INPUT", "-j MARK --or-mark 0x4"},
	{IPv4, "filter", "INPUT", "-j REJECT"},
	{IPv4, "filter", "FORWARD", "-p tcp -j REJECT --reject-with tcp-reset"},
	{IPv6, "filter", "OUTPUT", "-j REJECT --reject-with icmp6-adm-prohibited"},
	{IPv6, "filter", "INPUT", "-j REJECT --reject-with icmp6-reject-route"},
	// Inverted address ranges, which iptables accepts and nft's snat and
	// dnat cannot state: nftsync installs them only as the xt target.
	{IPv4, "nat", "POSTROUTING", "-j SNAT --to-source 255.255.255.255-192.0.2.9"},
	{IPv4, "nat", "PREROUTING", "-p tcp -j DNAT --to-destination 10.0.0.9-10.0.0.1:80-90 --random"},
	{IPv6, "nat", "INPUT", "-j SNAT --to-source fd00:200:2::9-2001:db8::9"},
	{IPv6, "nat", "OUTPUT", "-j DNAT --to-destination fd00:200:2::9-2001:db8::9"},
}

// xtNativeInIptablesNft are xtFormCases targets that iptables-nft 1.8.9
// itself writes natively ("meta nftrace set 1"): there are no bytes to
// compare, but iptables-nft-save must read the xt form as the rule.
var xtNativeInIptablesNft = map[string]bool{"TRACE": true}

// TestKernelXtForms checks, for each xtFormCases rule, that the xtables
// form of its target is byte-identical to what iptables-nft writes for
// the rule (as written and in iptables-save form), that iptables-nft-save
// prints the rule when nftsync's form is in iptables-nft's chain, and that
// the kernel accepts the form in a table named as nftsync names its
// tables exactly when the registry says it is installable there.
func TestKernelXtForms(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	ns.NFT(`table ip nftsync-x {
	chain OUTPUT { type filter hook output priority filter; }
}
table ip6 nftsync-x {
	chain OUTPUT { type filter hook output priority filter; }
}`)
	raw := rawConn(t, ns)
	for _, c := range xtFormCases {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		ext, info, ok := XtForm(r.Target)
		if !ok {
			t.Errorf("%s: -j %s has no xtables form", c.args, r.Target.Name())
			continue
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
		written, _ := SplitArgs(c.args)
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, r.Args()...)...)
		ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
		rules, err := rawRuleExprs(raw, fam, c.table, c.chain)
		if err != nil || len(rules) != 2 {
			t.Fatalf("%s: dumping iptables-nft's rules: %d rules, %v", c.args, len(rules), err)
		}
		for i, rl := range rules {
			kern := findXtElem(rl, ext)
			switch {
			case xtNativeInIptablesNft[r.Target.Name()]:
			case kern == nil:
				t.Errorf("%s: iptables-nft's rule has no %s (%d expressions)", c.args, ext, len(rl))
			case !bytes.Equal(clearNested(ours), kern):
				t.Errorf("%s: %s (%s):\n  iptables-nft: %x\n  nftsync:      %x", c.args, ext, []string{"iptables-save form", "as written"}[i], kern, clearNested(ours))
			}
		}
		// iptables-nft-save reads nftsync's form (after the rule's -p,
		// as iptables-nft writes it) as the rule.
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		var head []expr.Any
		if r.Proto.Set {
			op := expr.CmpOpEq
			if r.Proto.Invert {
				op = expr.CmpOpNeq
			}
			head = []expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: []byte{r.Proto.Num}}}
		}
		all, err := rawMarshalExprs(fam, head)
		if err != nil {
			t.Fatal(err)
		}
		compat := formCompat(t, r)
		if err := rawAddRule(raw, fam, c.table, c.chain, append(all, ours), nil, compat); err != nil {
			t.Errorf("%s: adding nftsync's %s to iptables-nft's chain: %v", c.args, ext, err)
		} else if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+formSaved(r, c.args); !sameArgs(got, want) {
			t.Errorf("%s: %s-save reads nftsync's rule as\n  %s\nwant\n  %s", c.args, tool, got, want)
		}
		err = rawAddRule(raw, fam, "nftsync-x", "OUTPUT", [][]byte{ours}, nil, compat)
		switch want := ext.Installable(); {
		case want == nil && err != nil:
			t.Errorf("%s: the kernel refuses nftsync's %s in table nftsync-x: %v", c.args, ext, err)
		case want != nil && !errors.Is(err, unix.EINVAL):
			t.Errorf("%s: the registry says %v, but the kernel answers %v", c.args, want, err)
		}
	}
}

// formSaved is how iptables-save prints the xtFormCases rule r, written
// as args.
func formSaved(r *Rule, args string) string {
	if s, ok := xtFormSavedAs[args]; ok {
		return s
	}
	return r.String()
}

// formCompat is the NFTA_RULE_COMPAT attribute of the rule's -p, which
// iptables-nft sends with every rule and xt_TCPMSS requires.
func formCompat(t *testing.T, r *Rule) []byte {
	t.Helper()
	if !r.Proto.Set {
		return nil
	}
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Nested(unix.NFTA_RULE_COMPAT, func(nae *netlink.AttributeEncoder) error {
		nae.Uint32(unix.NFTA_RULE_COMPAT_PROTO, uint32(r.Proto.Num))
		nae.Uint32(unix.NFTA_RULE_COMPAT_FLAGS, uint32(b2i(r.Proto.Invert))*unix.NFT_RULE_COMPAT_F_INV)
		return nil
	})
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNATInvertedRange checks that an inverted NAT address range, which
// iptables accepts, parses, prints back as written and is refused in
// nftsync's own tables with the reason and the way: placement in
// iptables' own nat table, where its xt form runs.
func TestNATInvertedRange(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		{IPv4, "-j SNAT --to-source 10.0.0.5-10.0.0.1"},
		{IPv4, "-p udp -j DNAT --to-destination 10.0.0.5-10.0.0.1:53 --persistent"},
		{IPv6, "-j DNAT --to-destination fd00::9-fd00::1"},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if r.String() != c.args {
			t.Errorf("%s: prints as %s", c.args, r)
		}
		_, err = r.Translate()
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "inverted") || !strings.Contains(err.Error(), "placement in iptables' own nat table") {
			t.Errorf("%s: translating: %v; want a refusal naming the inverted range and placement", c.args, err)
		}
	}
}

// xtHMarkCases are HMARK's SPI and port options, whose bytes iptables
// 1.8.9 writes in network byte order; they join xtCases.
var xtHMarkCases = []xtCase{
	{IPv4, "filter", "OUTPUT", "-j HMARK --hmark-tuple spi,proto --hmark-mod 4294967295 --hmark-rnd 0"},
	{IPv6, "filter", "INPUT", "-j HMARK --hmark-tuple src,spi --hmark-mod 10 --hmark-rnd 0xcafeface"},
	{IPv4, "mangle", "PREROUTING", "-j HMARK --hmark-sport-mask 0x0102 --hmark-dport-mask 0xff00 --hmark-rnd 1 --hmark-mod 2"},
	{IPv4, "filter", "FORWARD", "-j HMARK --hmark-spi-mask 0x12345678 --hmark-spi 0x9abcdef0 --hmark-rnd 1 --hmark-mod 2"},
	{IPv6, "filter", "OUTPUT", "-j HMARK --hmark-tuple src --hmark-sport 0x0102 --hmark-dport 0x0304 --hmark-rnd 1 --hmark-mod 2"},
}

func init() { xtCases = append(xtCases, xtHMarkCases...) }

// TestHMarkBad checks HMARK rules iptables or the kernel refuses.
func TestHMarkBad(t *testing.T) {
	for _, args := range []string{
		"-j HMARK --hmark-tuple spi,sport --hmark-rnd 1 --hmark-mod 2",
		"-j HMARK --hmark-spi-mask 1 --hmark-dport-mask 2 --hmark-rnd 1 --hmark-mod 2",
		"-j HMARK --hmark-tuple spi --hmark-spi-mask 1 --hmark-rnd 1 --hmark-mod 2",
		"-j HMARK --hmark-sport 65536 --hmark-rnd 1 --hmark-mod 2",
		// The kernel refuses an SPI with ports, masks or values.
		"-j HMARK --hmark-tuple dst --hmark-spi 0x12345678 --hmark-sport 0x0102 --hmark-rnd 1 --hmark-mod 2",
		"-j HMARK --hmark-tuple dst --hmark-dport 1 --hmark-spi 2 --hmark-rnd 1 --hmark-mod 2",
	} {
		if r, err := ParseString(IPv4, args); err == nil {
			t.Errorf("%s: accepted as %s", args, r)
		}
	}
}
