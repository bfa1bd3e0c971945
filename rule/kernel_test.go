package rule

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// oracleCases are rules whose translation is checked against nft itself:
// nft builds the translated text, nftsync installs its own expressions, and
// both must come back from the kernel identical. Add a case for every
// statement form a translation can produce.
var oracleCases = []struct {
	fam  Family
	args string
}{
	{IPv4, `-s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j ACCEPT`},
	{IPv4, `-s 10.4.0.1 -d 10.0.0.0/12 -j DROP`},
	{IPv4, `! -s 10.11.12.13/255.0.255.0 ! -d 0.0.0.0/0 -j RETURN`},
	{IPv4, `-i eth0 -o wg+ -j ACCEPT`},
	{IPv4, `! -i eth* -o eth*foo*+ -j ACCEPT`},
	{IPv4, `! -i + -j ACCEPT`},
	{IPv4, `-f -p tcp`},
	{IPv4, `! -f -p 4 -g KILO-IPIP`},
	{IPv4, `-p tcp --dport 22 -j ACCEPT`},
	{IPv4, `-p tcp ! --sport 1024:65535 --dport 80 --syn -j ACCEPT`},
	{IPv4, `-p tcp --tcp-flags ACK,FIN FIN -j DROP`},
	{IPv4, `-p udp --sport 0:65535`},
	// nft loads both ports at once when both are single values.
	{IPv4, `-p tcp --sport 50 --dport 80 -j ACCEPT`},
	{IPv6, `-p udp --dport 5353 --sport 53`},
	{IPv4, `-p sctp --sport 50 ! --dport 80`},
	{IPv4, `-p udp -d 8.8.8.8 -j ACCEPT`},
	{IPv6, `-s fd00::/8 ! -d ::1 -p udp --dport 51820 -j ACCEPT`},
	{IPv6, `-s feed:babe::1/ffff:ff00:: -j ACCEPT`},
	{IPv6, `! -p 132 -j KILO-NAT`},
	{IPv6, `-s ::/0 -d fe80::/10 -j DROP`},
}

// OracleCase lets other test files add cases: append in an init function.
type OracleCase = struct {
	fam  Family
	args string
}

func TestKernelMatchesNft(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	runOracle(t, ns, oracleCases)
}

// runOracle installs every case twice in ns, once through nft (from
// NftText, the text that keeps iptables' meaning) and once through netlink,
// and compares what the kernel returns: decoded, raw, and as nft lists it.
func runOracle(t *testing.T, ns *netnstest.NS, cases []OracleCase) {
	h := ns.Handle()
	defer h.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rawDial(int(h))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tables := map[Family]*nftables.Table{
		IPv4: {Name: "oracle", Family: nftables.TableFamilyIPv4},
		IPv6: {Name: "oracle", Family: nftables.TableFamilyIPv6},
	}
	var script strings.Builder
	for _, tb := range tables {
		conn.AddTable(tb)
	}
	type pair struct {
		name  string
		tr    *Translation
		nftCh *nftables.Chain
		goCh  *nftables.Chain
	}
	var pairs, rawPairs []pair
	for i, c := range cases {
		tr := translateArgs(t, c.fam, c.args)
		if tr == nil {
			continue
		}
		tb := tables[c.fam]
		p := pair{name: c.args, tr: tr,
			nftCh: &nftables.Chain{Name: fmt.Sprintf("n%d", i), Table: tb},
			goCh:  &nftables.Chain{Name: fmt.Sprintf("g%d", i), Table: tb}}
		conn.AddChain(p.nftCh)
		conn.AddChain(p.goCh)
		for _, chain := range []string{"KILO-NAT", "KILO-IPIP"} {
			conn.AddChain(&nftables.Chain{Name: chain, Table: tb})
		}
		if r, err := ParseString(c.fam, c.args); err == nil {
			if j, ok := r.Target.(*Jump); ok {
				conn.AddChain(&nftables.Chain{Name: j.Chain, Table: tb})
			}
		}
		if selfMarshalled(tr) {
			// google/nftables cannot send these: install them raw below.
			rawPairs = append(rawPairs, p)
		} else {
			installTranslation(conn, tb, p.goCh, tr)
		}
		fmt.Fprintf(&script, "add rule %s oracle %s %s\n", c.fam, p.nftCh.Name, tr.NftText())
		pairs = append(pairs, p)
	}
	if err := conn.Flush(); err != nil {
		t.Fatalf("installing translated expressions: %v", err)
	}
	for _, p := range rawPairs {
		fam := byte(p.goCh.Table.Family)
		if len(p.tr.Sets) > 0 {
			t.Fatalf("%s: a rule with anonymous sets and self-marshalled expressions: the test cannot install it", p.name)
		}
		exprs, err := rawMarshalExprs(fam, p.tr.Exprs())
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if err := rawAddRule(raw, fam, p.goCh.Table.Name, p.goCh.Name, exprs, p.tr.UserData()); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
	}
	ns.NFT(script.String())
	for _, p := range pairs {
		want, err := conn.GetRules(p.nftCh.Table, p.nftCh)
		if err != nil || len(want) != 1 {
			t.Fatalf("%s: reading nft's rule: %v (%d rules)", p.name, err, len(want))
		}
		got, err := conn.GetRules(p.goCh.Table, p.goCh)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: reading our rule: %v (%d rules)", p.name, err, len(got))
		}
		we, ge := normalizeExprs(want[0].Exprs), normalizeExprs(got[0].Exprs)
		if !reflect.DeepEqual(we, ge) {
			t.Errorf("%s: expressions differ from nft's\n  nft:  %s\n  ours: %s", p.name, dumpExprs(we), dumpExprs(ge))
		}
		if len(p.tr.Sets) == 0 {
			// The library's decoder drops attributes it does not know:
			// compare the kernel's own encoding too.
			compareRaw(t, raw, p.name, p.nftCh, p.goCh)
		}
		if string(want[0].UserData) != string(got[0].UserData) {
			t.Errorf("%s: userdata differs: nft %q, ours %q", p.name, want[0].UserData, got[0].UserData)
		}
		// nft must list our rule exactly as it lists its own.
		fam := "ip"
		if p.goCh.Table.Family == nftables.TableFamilyIPv6 {
			fam = "ip6"
		}
		ours := ruleLine(ns.Exec("nft", "list", "chain", fam, "oracle", p.goCh.Name))
		theirs := ruleLine(ns.Exec("nft", "list", "chain", fam, "oracle", p.nftCh.Name))
		if ours != theirs || ours == "" {
			t.Errorf("%s: nft lists our rule as\n  %s\nand its own as\n  %s", p.name, ours, theirs)
		}
	}
}

// selfMarshalled reports whether a translation has expressions that
// google/nftables cannot marshal (ExprMarshaler).
func selfMarshalled(tr *Translation) bool {
	for _, e := range tr.Exprs() {
		if _, ok := e.(ExprMarshaler); ok {
			return true
		}
	}
	return false
}

// compareRaw compares, byte for byte, the expressions the kernel dumps for
// nft's rule and for ours.
func compareRaw(t *testing.T, raw *netlink.Conn, name string, nftCh, goCh *nftables.Chain) {
	t.Helper()
	fam := byte(nftCh.Table.Family)
	want, err := rawRuleExprs(raw, fam, nftCh.Table.Name, nftCh.Name)
	if err != nil || len(want) != 1 {
		t.Fatalf("%s: raw dump of nft's rule: %v (%d rules)", name, err, len(want))
	}
	got, err := rawRuleExprs(raw, fam, goCh.Table.Name, goCh.Name)
	if err != nil || len(got) != 1 {
		t.Fatalf("%s: raw dump of our rule: %v (%d rules)", name, err, len(got))
	}
	if len(want[0]) != len(got[0]) {
		t.Errorf("%s: raw dump: nft's rule has %d expressions, ours %d", name, len(want[0]), len(got[0]))
		return
	}
	for i := range want[0] {
		if !bytes.Equal(want[0][i], got[0][i]) && !isCounter(want[0][i]) {
			t.Errorf("%s: raw expression %d differs\n  nft:  %x\n  ours: %x", name, i, want[0][i], got[0][i])
		}
	}
}

// isCounter reports whether a raw expression is a counter, whose dumped
// values are live.
func isCounter(e []byte) bool {
	return bytes.HasPrefix(e[unix.NLA_HDRLEN:], []byte("counter\x00"))
}

// installTranslation adds a translated rule, with its anonymous sets, to the
// batch (test-only: the nft package does this for real).
func installTranslation(conn *nftables.Conn, tb *nftables.Table, ch *nftables.Chain, tr *Translation) {
	exprs := tr.Exprs()
	for _, s := range tr.Sets {
		set := &nftables.Set{Table: tb, Anonymous: true, Constant: true, KeyType: s.KeyType, Interval: s.Interval, Concatenation: s.Concat}
		if err := conn.AddSet(set, s.Elements); err != nil {
			panic(err)
		}
		for i, e := range exprs {
			if l, ok := e.(*expr.Lookup); ok && l.SetName == s.SetName {
				cp := *l
				cp.SetName, cp.SetID = set.Name, set.ID
				exprs[i] = &cp
			}
		}
	}
	conn.AddRule(&nftables.Rule{Table: tb, Chain: ch, Exprs: exprs, UserData: tr.UserData()})
}

// normalizeExprs removes what legitimately differs between two installs of
// the same rule: live counter values and anonymous set names/ids.
func normalizeExprs(in []expr.Any) []expr.Any {
	out := make([]expr.Any, len(in))
	for i, e := range in {
		switch v := e.(type) {
		case *expr.Counter:
			out[i] = &expr.Counter{}
		case *expr.Lookup:
			cp := *v
			cp.SetName, cp.SetID = "", 0
			out[i] = &cp
		default:
			out[i] = e
		}
	}
	return out
}

func dumpExprs(es []expr.Any) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, fmt.Sprintf("%T%+v", e, e))
	}
	return strings.Join(parts, " ")
}

var handleRe = regexp.MustCompile(`\s+# handle \d+$`)

// ruleLine returns the one rule line of `nft list chain` output.
func ruleLine(listing string) string {
	lines := strings.Split(listing, "\n")
	for i, l := range lines {
		if strings.Contains(l, "chain ") && i+1 < len(lines) {
			body := strings.TrimSpace(lines[i+1])
			body = handleRe.ReplaceAllString(body, "")
			return strings.ReplaceAll(body, "counter packets 0 bytes 0", "counter")
		}
	}
	return ""
}
