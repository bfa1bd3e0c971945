package rule

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule/xt"
	"golang.org/x/sys/unix"
)

// xtCase is a rule nftsync installs (or refuses to install) through an
// xtables extension, with the table and chain iptables-nft accepts it in.
type xtCase struct {
	fam          Family
	table, chain string // the built-in chain iptables-nft puts it in
	args         string
}

// canonOnly are the xtCases for which iptables writes other bytes for the
// rule as written than for its iptables-save form, in a field the kernel
// ignores (connlimit's IPv4 mask without --connlimit-mask): nftsync
// writes the latter.
var canonOnly = map[string]bool{"-m connlimit --connlimit-above 2": true}

// xtCases are the rules of the xt extensions, one or more per extension.
var xtCases = []xtCase{
	{IPv4, "filter", "OUTPUT", "-m owner ! --uid-owner 5"},
	{IPv4, "filter", "OUTPUT", "-m owner ! --uid-owner 1000-2000 --gid-owner 7"},
	{IPv6, "filter", "OUTPUT", "-m owner --uid-owner 3 ! --gid-owner 4-9"},
	{IPv4, "filter", "OUTPUT", "-m owner ! --socket-exists"},
	{IPv4, "filter", "OUTPUT", "-m owner --uid-owner 1 --socket-exists ! --gid-owner 2 --suppl-groups"},
	{IPv4, "filter", "INPUT", "-m connlimit --connlimit-above 2"},
	{IPv4, "filter", "INPUT", "-p tcp -m connlimit --connlimit-upto 20 --connlimit-mask 24 --connlimit-daddr"},
	{IPv6, "filter", "INPUT", "-m connlimit ! --connlimit-upto 3 --connlimit-mask 64"},
	{IPv6, "filter", "FORWARD", "-m connlimit --connlimit-upto 3"},
	{IPv4, "mangle", "PREROUTING", "-i eth1 -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef -j ACCEPT"},
	{IPv6, "mangle", "PREROUTING", "-m cluster --cluster-total-nodes 7 ! --cluster-local-nodemask 9 --cluster-hash-seed 1"},
	{IPv4, "filter", "FORWARD", "-m connbytes --connbytes 0:10 --connbytes-mode packets --connbytes-dir original"},
	{IPv6, "filter", "INPUT", "-m connbytes ! --connbytes 500 --connbytes-mode bytes --connbytes-dir both"},
	{IPv4, "filter", "OUTPUT", "-p tcp --dport 443 -m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24"},
	{IPv4, "filter", "OUTPUT", "-m hashlimit --hashlimit-upto 300 --hashlimit-burst 15 --hashlimit-mode srcip,dstip --hashlimit-name a --hashlimit-htable-expire 300000"},
	{IPv4, "filter", "INPUT", "-m hashlimit --hashlimit-upto 7/min --hashlimit-name b --hashlimit-htable-size 64 --hashlimit-htable-max 100 --hashlimit-htable-gcinterval 500"},
	{IPv4, "filter", "INPUT", "-m hashlimit ! --hashlimit-above 1/day --hashlimit-burst 1 --hashlimit-mode srcport,dstport --hashlimit-name c --hashlimit-rate-match"},
	{IPv6, "filter", "INPUT", "-m hashlimit --hashlimit-upto 10mb/s --hashlimit-mode srcip --hashlimit-srcmask 64 --hashlimit-name d"},
	{IPv6, "filter", "FORWARD", "-m hashlimit --hashlimit-upto 123456b/s --hashlimit-burst 1mb --hashlimit-name e --hashlimit-rate-match --hashlimit-rate-interval 5"},
	{IPv6, "filter", "FORWARD", "-m hashlimit --hashlimit-above 1000000/sec --hashlimit-name f"},
	{IPv4, "mangle", "PREROUTING", "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff00"},
	{IPv6, "mangle", "OUTPUT", "-j CONNMARK --restore-mark --mask 0xf0 --right-shift-mark 4"},
	{IPv4, "mangle", "POSTROUTING", "-j CONNMARK --save-mark --ctmask 0x3 --left-shift-mark 1"},
	{IPv4, "filter", "INPUT", `-j LOG --log-prefix 'say "hi" \\ ' --log-level 1 --log-tcp-sequence --log-ip-options`},
	{IPv6, "filter", "OUTPUT", `-j LOG --log-prefix 'a"b'`},
	{IPv4, "filter", "OUTPUT", "-m policy --dir out --pol ipsec"},
	{IPv6, "filter", "FORWARD", "-m policy --dir out --pol none"},
	{IPv4, "mangle", "PREROUTING", "-m rpfilter"},
	{IPv6, "raw", "PREROUTING", "-m rpfilter --loose --validmark --accept-local --invert"},
	{IPv4, "mangle", "PREROUTING", "-j TOS --set-tos 0x12/0x34"},
	{IPv6, "mangle", "OUTPUT", "-j TOS --and-tos 0x12"},
	{IPv4, "mangle", "PREROUTING", "-p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff"},
	{IPv6, "mangle", "PREROUTING", "-p udp -j TPROXY --on-port 53 --on-ip dead::beef"},
}

// nftsyncXTables are tables named as nftsync names its own (so that an
// extension bound to a table's name is refused there), with a base chain
// at each hook, in both families.
const nftsyncXTables = `table ip nftsync-x {
	chain PREROUTING { type filter hook prerouting priority mangle; }
	chain OUTPUT { type filter hook output priority filter; }
	chain INPUT { type filter hook input priority filter; }
	chain FORWARD { type filter hook forward priority filter; }
	chain POSTROUTING { type filter hook postrouting priority filter; }
}
table ip6 nftsync-x {
	chain PREROUTING { type filter hook prerouting priority mangle; }
	chain OUTPUT { type filter hook output priority filter; }
	chain INPUT { type filter hook input priority filter; }
	chain FORWARD { type filter hook forward priority filter; }
	chain POSTROUTING { type filter hook postrouting priority filter; }
}`

// TestKernelXtInfo proves the binary layout of each xt extension against
// iptables-nft: the rule is added with iptables-nft (which sends the
// extension through nft_compat), its expression is dumped, and nftsync's
// expression for the same rule must be byte-identical. nftsync's
// expression is then added to a table named as nftsync names its tables:
// the kernel must accept it exactly when the registry says it is
// installable (an extension tied to a table name is refused there).
func TestKernelXtInfo(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	ns.NFT(nftsyncXTables)
	raw := rawConn(t, ns)
	for _, c := range append(xtCases, xtMatchCases...) {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		ext := xtOf(r)
		if ext == nil {
			t.Errorf("%s: no registered xt extension", c.args)
			continue
		}
		// nftsync's bytes: from the translation when it is installable,
		// else from the encoding the registry refuses to install.
		ours, err := ourXtExpr(r, ext)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		fam := byte(unix.NFPROTO_IPV4)
		tool := "iptables-nft"
		if c.fam == IPv6 {
			fam, tool = unix.NFPROTO_IPV6, "ip6tables-nft"
		}
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		setupXtCase(t, ns, raw, c) // kernel objects the rule names (kernel_xt_matches_test.go)
		// The rule in iptables-save form: nftsync encodes what iptables
		// writes for it (connlimit without --connlimit-mask leaves unused
		// mask bytes all ones, with it zero).
		// Then the rule as written, which iptables must read the same way
		// (but for bytes the kernel ignores: see xtCase.canonOnly).
		ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, r.Args()...)...)
		written, _ := SplitArgs(c.args)
		ns.Exec(tool, append([]string{"-t", c.table, "-A", c.chain}, written...)...)
		rules, err := rawRuleExprs(raw, fam, c.table, c.chain)
		if err != nil || len(rules) != 2 {
			t.Fatalf("%s: dumping iptables-nft's rules: %d rules, %v", c.args, len(rules), err)
		}
		for i, rl := range rules[:2-b2i(canonOnly[c.args])] {
			kern := findXtElem(rl, ext)
			if kern == nil {
				t.Errorf("%s: iptables-nft's rule has no %s (%d expressions)", c.args, ext, len(rl))
			} else if got := clearNested(ours); !bytes.Equal(got, kern) {
				t.Errorf("%s: %s (%s):\n  iptables-nft: %x\n  nftsync:      %x", c.args, ext, []string{"iptables-save form", "as written"}[i], kern, got)
			}
		}
		if ext.Installable() == nil {
			// iptables reads nftsync's whole rule back as the rule.
			ns.Exec(tool, "-t", c.table, "-F", c.chain)
			tr, err := r.TranslateExprs()
			if err != nil {
				t.Fatal(err)
			}
			all, err := rawMarshalExprs(fam, tr.Exprs())
			if err != nil {
				t.Fatal(err)
			}
			if err := rawAddRule(raw, fam, c.table, c.chain, all, nil, ruleCompat(t, r)); err != nil {
				t.Errorf("%s: adding nftsync's rule to iptables-nft's chain: %v", c.args, err)
			} else if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+savedForm(r, c.args); !sameArgs(got, want) {
				t.Errorf("%s: %s-save reads nftsync's rule as\n  %s\nwant\n  %s", c.args, tool, got, want)
			}
		}
		err = rawAddRule(raw, fam, "nftsync-x", c.chain, [][]byte{ours}, nil, ruleCompat(t, r))
		switch want := ext.Installable(); {
		case want == nil && err != nil:
			t.Errorf("%s: the kernel refuses nftsync's %s in table nftsync-x: %v", c.args, ext, err)
		case want != nil && !errors.Is(err, unix.EINVAL):
			t.Errorf("%s: the registry says %v, but the kernel answers %v", c.args, want, err)
		}
	}
}

// xtOf returns the xt extension a rule's target or first match encodes
// itself as, or nil: the first one its translation installs (an
// extension with an xt form may install its native one), else the
// first one.
func xtOf(r *Rule) *xt.Ext {
	var all []*xt.Ext
	if e, ok := r.Target.(xtEncoder); ok {
		ext, _ := e.xtInfo()
		all = append(all, ext)
	}
	for _, m := range r.Matches {
		if e, ok := m.(xtEncoder); ok {
			ext, _ := e.xtInfo()
			all = append(all, ext)
		}
	}
	if tr, err := r.Translate(); err == nil {
		for _, ext := range all {
			for _, s := range tr.Stmts {
				if s.Xt == ext.String() {
					return ext
				}
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

// xtInfoOf returns the info the rule's extension ext encodes.
func xtInfoOf(r *Rule, ext *xt.Ext) ([]byte, error) {
	exts := []any{r.Target}
	for _, m := range r.Matches {
		exts = append(exts, m)
	}
	for _, x := range exts {
		if e, ok := x.(xtEncoder); ok {
			if got, info := e.xtInfo(); got == ext {
				return info, nil
			}
		}
	}
	return nil, fmt.Errorf("no extension of the rule encodes %s", ext)
}

// ourXtExpr marshals nftsync's expression for ext in rule r: the xt
// statement of its translation, or, for an extension the kernel refuses in
// nftsync's tables, the encoding the extension's file builds.
func ourXtExpr(r *Rule, ext *xt.Ext) ([]byte, error) {
	fam := byte(unix.NFPROTO_IPV4)
	if r.Family == IPv6 {
		fam = unix.NFPROTO_IPV6
	}
	if ext.Installable() != nil {
		info, err := xtInfoOf(r, ext)
		if err != nil {
			return nil, err
		}
		e, err := ext.Expr(info)
		if err != nil {
			return nil, err
		}
		return MarshalExpr(fam, e)
	}
	tr, err := r.Translate()
	if err != nil {
		return nil, err
	}
	for _, s := range tr.Stmts {
		if s.Xt == ext.String() {
			return MarshalExpr(fam, s.Exprs[0])
		}
	}
	return nil, fmt.Errorf("the translation has no %s statement: %s", ext, tr.Text())
}

// findXtElem returns the dumped expression (an NFTA_LIST_ELEM's contents)
// that runs ext, or nil.
func findXtElem(elems [][]byte, ext *xt.Ext) []byte {
	nameAttr := uint16(unix.NFTA_MATCH_NAME)
	if ext.Kind == xt.Target {
		nameAttr = unix.NFTA_TARGET_NAME
	}
	for _, el := range elems {
		ad, err := netlink.NewAttributeDecoder(el)
		if err != nil {
			continue
		}
		var kind, name string
		for ad.Next() {
			switch ad.Type() {
			case unix.NFTA_EXPR_NAME:
				kind = ad.String()
			case unix.NFTA_EXPR_DATA:
				ad.Nested(func(nad *netlink.AttributeDecoder) error {
					for nad.Next() {
						if nad.Type() == nameAttr {
							name = strings.TrimRight(nad.String(), "\x00")
						}
					}
					return nil
				})
			}
		}
		if kind == ext.Kind.String() && name == ext.Name {
			return el
		}
	}
	return nil
}

// savedRule returns the first "-A chain" line of iptables-save output.
func savedRule(save, chain string) string {
	for _, l := range strings.Split(save, "\n") {
		if strings.HasPrefix(l, "-A "+chain+" ") {
			return l
		}
	}
	return ""
}

// xtPacketCases are rules whose xt form must count the same packets as
// iptables-legacy's rule, in OUTPUT, for traffic send generates.
var xtPacketCases = []struct {
	name string
	// ours and legacy are the rule for nftsync and for iptables-legacy:
	// the same but for a hashlimit name (two rules of one name would
	// share the kernel's table).
	ours, legacy string
	send         func() error
	want         int // what iptables-legacy must count; -1: any
}{
	// The kernel's own ICMP port unreachable has no socket with a file:
	// xt_owner matches it when every option is negated, nft's skuid
	// never does (the reason a negation is installed as xt owner).
	{"owner", "-p icmp -m owner ! --uid-owner 0", "-p icmp -m owner ! --uid-owner 0", udpTo(1), 1},
	// Five packets against a bucket of two: three are above the rate.
	{"hashlimit", "-p udp --dport 9 -m hashlimit --hashlimit-above 1/min --hashlimit-burst 2 --hashlimit-name ours",
		"-p udp --dport 9 -m hashlimit --hashlimit-above 1/min --hashlimit-burst 2 --hashlimit-name legacy", udpTo(5), 3},
	// Three open connections to one address: the second and third SYN
	// find more than one.
	{"connlimit", "-p tcp --syn --dport 7 -m connlimit --connlimit-above 1 --connlimit-daddr",
		"-p tcp --syn --dport 7 -m connlimit --connlimit-above 1 --connlimit-daddr", tcpConns(3), 2},
	// Each node of two takes the connections the kernel's hash gives it:
	// nftsync's rule must take the same ones as iptables-legacy's.
	{"cluster node 1", "-p udp --dport 9 -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0x1234",
		"-p udp --dport 9 -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0x1234", udpTo(4), -1},
	{"cluster node 2", "-p udp --dport 9 -m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 0x1234",
		"-p udp --dport 9 -m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 0x1234", udpTo(4), -1},
}

// udpTo sends n datagrams to 127.0.0.1:9 (nothing listens), from an
// unconnected socket that the port unreachables do not fail.
func udpTo(n int) func() error {
	return func() error {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer c.Close()
		to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
		for i := 0; i < n; i++ {
			if _, err := c.WriteTo([]byte("x"), to); err != nil {
				return err
			}
		}
		return nil
	}
}

// tcpConns opens n connections to a listener on 127.0.0.1:7, all open at
// once, then closes them.
func tcpConns(n int) func() error {
	return func() error {
		ln, err := net.Listen("tcp", "127.0.0.1:7")
		if err != nil {
			return err
		}
		defer ln.Close()
		for i := 0; i < n; i++ {
			c, err := net.Dial("tcp", "127.0.0.1:7")
			if err != nil {
				return err
			}
			defer c.Close()
		}
		return nil
	}
}

// TestKernelXtPackets installs nftsync's translation of each case and
// iptables-legacy's rule in one fresh namespace, sends the case's traffic
// and compares the two counters.
func TestKernelXtPackets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip")
	for _, c := range xtPacketCases {
		t.Run(c.name, func(t *testing.T) {
			legacy, ours := countBoth(t, c.ours, c.legacy, true, c.send)
			t.Logf("iptables-legacy %d, nftsync %d", legacy, ours)
			if (c.want >= 0 && legacy != c.want) || ours != legacy {
				t.Errorf("iptables-legacy counted %d, nftsync's rule %d; want %d and %d", legacy, ours, c.want, c.want)
			}
		})
	}
}

// countOf returns the number re's first group finds in out.
func countOf(t *testing.T, re *regexp.Regexp, out string) int {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counter in:\n%s", out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rawConn opens a netfilter netlink socket in ns, closed when the test ends.
func rawConn(t *testing.T, ns *netnstest.NS) *netlink.Conn {
	t.Helper()
	h := ns.Handle()
	defer h.Close()
	raw, err := rawDial(int(h))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
