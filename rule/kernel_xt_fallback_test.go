package rule

import (
	"regexp"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtFallbackCases are rules of existing native extensions that nftsync
// installs through nft_compat where the native form is refused by the
// kernel or means something else (issue 8). TestKernelXtInfo proves their
// bytes against iptables-nft's.
var xtFallbackCases = []xtCase{
	// helper: xt_helper tests the master connection's helper.
	{IPv4, "filter", "FORWARD", "-m helper ! --helper ftp"},
	{IPv6, "filter", "INPUT", "-m helper --helper sip"},
	{IPv4, "filter", "INPUT", `-m helper --helper ""`},
	{IPv4, "filter", "INPUT", "-m helper ! --helper abcdefghijklmnopqrstuvwxyz012"},
	// quota above S64_MAX: nft_quota refuses it.
	{IPv4, "filter", "OUTPUT", "-m quota --quota 18446744073709551615"},
	{IPv6, "filter", "OUTPUT", "-m quota ! --quota 9223372036854775808"},
	// conntrack: what nft's ct cannot say exactly.
	{IPv4, "filter", "OUTPUT", "-m conntrack --ctorigsrc 172.16.0.0/255.240.0.0 --ctexpire 0:2797801892"},
	{IPv6, "filter", "OUTPUT", "-m conntrack --ctstate INVALID,UNTRACKED --ctorigdstport 1 ! --ctexpire 5:3205541892"},
	{IPv4, "filter", "FORWARD", "-m conntrack ! --ctstate NEW,SNAT --ctdir REPLY"},
	{IPv4, "filter", "INPUT", "-m conntrack --ctstate DNAT,ESTABLISHED ! --ctproto 6 --ctreplsrcport 10:20 ! --ctrepldst 10.1.2.0/23"},
	{IPv6, "filter", "INPUT", "-m conntrack ! --ctstatus NONE --ctdir ORIGINAL --ctorigsrc ::/0 ! --ctreplsrc fd00::/17"},
	{IPv4, "filter", "INPUT", "-m conntrack --ctproto 17 ! --ctorigsrcport 53 --ctstatus ASSURED,SEEN_REPLY --ctexpire 4294967295"},
	{IPv6, "filter", "INPUT", "-m conntrack ! --ctproto 0 --ctexpire 5000000"},
	// IPv6 extension headers and ipcomp: what nft cannot compare.
	{IPv6, "filter", "INPUT", "-m ah --ahspi 5:70000 --ahlen 5 --ahres"},
	{IPv6, "filter", "INPUT", "-m ah ! --ahlen 6"},
	{IPv6, "filter", "INPUT", "-m hbh ! --hbh-len 7"},
	{IPv6, "filter", "INPUT", "-m rt ! --rt-len 3"},
	{IPv6, "filter", "FORWARD", "-m rt --rt-type 2 ! --rt-segsleft 300:400 --rt-len 3"},
	{IPv6, "filter", "FORWARD", "-m frag ! --fragid 2312859236:4294967295 --fragres --fragmore"},
	{IPv6, "filter", "OUTPUT", "-m frag --fragres --fragfirst --fraglast"},
	// policy --dir in, as iptables-nft installs it.
	{IPv4, "filter", "INPUT", "-m policy --dir in --pol ipsec -j ACCEPT"},
	{IPv6, "filter", "FORWARD", "-m policy --dir in --pol none"},
	// policy elements.
	{IPv4, "filter", "INPUT", "-m policy --dir in --pol ipsec --reqid 5 ! --spi 0x100 --proto esp --mode tunnel --tunnel-dst 10.0.0.0/8 ! --tunnel-src 192.168.1.1"},
	{IPv4, "filter", "OUTPUT", "-m policy --dir out --pol ipsec --strict ! --proto ah --next --mode transport --next --reqid 7 --next --proto ipcomp"},
	{IPv6, "filter", "FORWARD", "-m policy --dir in --pol ipsec --strict --mode tunnel ! --tunnel-dst fd00::/64 --tunnel-src ::1"},
	// addrtype: types nft has no name for.
	{IPv4, "filter", "INPUT", "-m addrtype ! --src-type ANYCAST,PROHIBIT --dst-type THROW,LOCAL --limit-iface-in"},
	{IPv4, "filter", "OUTPUT", "-m addrtype --src-type NAT ! --dst-type XRESOLVE,UNSPEC --limit-iface-out"},
	// NFQUEUE: always xt (no nft_queue on some kernels).
	{IPv4, "filter", "INPUT", "-j NFQUEUE --queue-num 3"},
	{IPv4, "filter", "FORWARD", "-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout"},
	{IPv6, "filter", "OUTPUT", "-j NFQUEUE"},
	// Extensions that need the rule's protocol (NFTA_RULE_COMPAT, which
	// TestKernelXtInfo sends as the engine does).
	{IPv4, "filter", "OUTPUT", "-p udp -m multiport --ports 443,8080,0,80,22"},
	{IPv6, "filter", "INPUT", "-p tcp -m multiport ! --ports 0:1023,8000:9000"},
	{IPv6, "filter", "OUTPUT", "-p tcp -m multiport ! --ports 8080,80,65535,80"},
	// tcp flags that never or always compare equal: xt_tcp is registered
	// for protocol tcp. iptables-nft writes flags without an option
	// natively, so the option brings its xt tcp to compare with.
	{IPv4, "filter", "OUTPUT", "-p tcp -m tcp ! --sport 1:1 --dport 8080 --tcp-flags NONE SYN,ACK ! --tcp-option 77"},
	{IPv6, "filter", "INPUT", "-p tcp -m tcp ! --tcp-flags FIN,URG,PSH ACK --tcp-option 3"},
	// xt_ipcomp is registered for protocol ipcomp only.
	{IPv4, "filter", "OUTPUT", "-p 108 -m ipcomp ! --ipcompspi 64937:100000"},
	{IPv6, "filter", "OUTPUT", "-p 108 -m ipcomp"},
}

func init() { xtCases = append(xtCases, xtFallbackCases...) }

// xtSavedAs are xtCases that iptables-save prints otherwise than
// nftsync, from the same bytes (iptables-nft writes them too): libxt_tcp
// leaves out --tcp-flags with an empty mask, libxt_ipcomp prints the CPI
// range 0:0 it writes without --ipcompspi.
var xtSavedAs = map[string]string{
	"-p tcp -m tcp ! --sport 1:1 --dport 8080 --tcp-flags NONE SYN,ACK ! --tcp-option 77": "-p tcp -m tcp ! --sport 1 --dport 8080 ! --tcp-option 77",
	"-p 108 -m ipcomp": "-p ipcomp -m ipcomp --ipcompspi 0",
}

// savedForm is how iptables-save prints the xtCases rule r, written as
// args.
func savedForm(r *Rule, args string) string {
	if s, ok := xtSavedAs[args]; ok {
		return s
	}
	return r.String()
}

// xtReadBackCases are xt rules iptables-nft itself writes natively (NFLOG
// becomes nft's log), so there are no iptables-nft bytes to compare:
// iptables-nft-save must print nftsync's installed rule as the rule,
// which it does by decoding the info with the extension's own code.
var xtReadBackCases = []xtCase{
	{IPv4, "filter", "INPUT", `-j NFLOG --nflog-prefix 'a\\b' --nflog-group 3 --nflog-size 100`},
	{IPv6, "filter", "OUTPUT", `-j NFLOG --nflog-prefix 'x"y' --nflog-threshold 2`},
	{IPv4, "filter", "OUTPUT", `-j NFLOG --nflog-prefix '"' --nflog-range 50`},
}

// TestKernelXtReadBack installs nftsync's translation of each
// xtReadBackCases rule in iptables-nft's chain and reads it back with
// iptables-nft-save.
func TestKernelXtReadBack(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	netnstest.RequireBinary(t, "ip6tables-nft")
	ns := netnstest.New(t)
	raw := rawConn(t, ns)
	for _, c := range xtReadBackCases {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		tr, err := r.TranslateExprs()
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Compat() {
			t.Errorf("%s: not installed as an xt extension", c.args)
			continue
		}
		fam, tool := byte(unix.NFPROTO_IPV4), "iptables-nft"
		if c.fam == IPv6 {
			fam, tool = unix.NFPROTO_IPV6, "ip6tables-nft"
		}
		ns.Exec(tool, "-t", c.table, "-F", c.chain)
		all, err := rawMarshalExprs(fam, tr.Exprs())
		if err != nil {
			t.Fatal(err)
		}
		if err := rawAddRule(raw, fam, c.table, c.chain, all, nil); err != nil {
			t.Errorf("%s: adding nftsync's rule to iptables-nft's chain: %v", c.args, err)
		} else if got, want := savedRule(ns.Exec(tool+"-save", "-t", c.table), c.chain), "-A "+c.chain+" "+r.String(); got != want {
			t.Errorf("%s: %s-save reads nftsync's rule as\n  %s\nwant\n  %s", c.args, tool, got, want)
		}
	}
}

// fallbackPacketCases are rules whose meaning differs subtly between
// nft's native statement and iptables; nftsync's installed rule (native or
// xt) must count what iptables-legacy's counts, in OUTPUT, for datagrams
// to 127.0.0.1:9.
var fallbackPacketCases = []struct {
	name, args string
	n, want    int          // datagrams sent, what iptables-legacy must count (-1: more than 0)
	send       func() error // instead of n datagrams
}{
	// lo is in device group 0: (0 ^ 0x100) & 0xff == 0 matches in
	// iptables; nft's "oifgroup and 0xff == 0x100" never would.
	{"devgroup value outside mask", "-p udp --dport 9 -m devgroup --dst-group 0x100/0xff", 3, 3, nil},
	{"devgroup value inside mask", "-p udp --dport 9 -m devgroup --dst-group 0x101/0xff", 3, 0, nil},
	// A connection without a master matches a negated xt_helper; nft's
	// ct helper != "ftp" breaks on a connection without a helper.
	{"helper negated, no master", "-p udp --dport 9 -m helper ! --helper ftp", 3, 3, nil},
	{"helper, no master", "-p udp --dport 9 -m helper --helper ftp", 3, 0, nil},
	{"quota above S64_MAX", "-p udp --dport 9 -m quota --quota 18446744073709551615", 2, 2, nil},
	// (flags & 0) == SYN never holds: its negation counts every packet.
	{"tcp flags outside the mask, negated", "-p tcp --dport 7 -m tcp ! --tcp-flags NONE SYN", 0, -1, tcpConns(2)},
	{"tcp flags outside the mask", "-p tcp --dport 7 -m tcp --tcp-flags NONE SYN", 0, 0, tcpConns(2)},
	{"tcp zero mask negated", "-p tcp --dport 7 -m tcp ! --tcp-flags NONE NONE", 0, 0, tcpConns(2)},
}

// TestKernelFallbackPackets installs nftsync's translation of each case
// and iptables-legacy's rule in one fresh namespace, sends the datagrams
// and compares the two counters.
func TestKernelFallbackPackets(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "ip")
	for _, c := range fallbackPacketCases {
		t.Run(c.name, func(t *testing.T) {
			send := c.send
			if send == nil {
				send = udpTo(c.n)
			}
			legacy, ours := countBoth(t, c.args, c.args, false, send)
			if (c.want >= 0 && legacy != c.want) || (c.want < 0 && legacy == 0) || ours != legacy {
				t.Errorf("iptables-legacy counted %d, nftsync's rule %d; want %d and %d", legacy, ours, c.want, c.want)
			}
		})
	}
}

// countBoth installs nftsync's translation of ours (which must use an xt
// extension when compat) and iptables-legacy's rule legacy in OUTPUT of
// a fresh namespace, runs send there and returns what each counted.
func countBoth(t *testing.T, ours, legacy string, compat bool, send func() error) (legacyN, oursN int) {
	t.Helper()
	return countBothFam(t, IPv4, ours, legacy, compat, send)
}

// countBothFam is countBoth for a family: ip6tables-legacy and an ip6
// table for IPv6.
func countBothFam(t *testing.T, fam Family, ours, legacy string, compat bool, send func() error) (legacyN, oursN int) {
	t.Helper()
	ns := netnstest.New(t)
	ns.Exec("ip", "link", "set", "lo", "up")
	r, err := ParseString(fam, ours)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.TranslateExprs()
	if err != nil {
		t.Fatal(err)
	}
	if compat && !tr.Compat() {
		t.Fatalf("%s is not installed as an xt extension", ours)
	}
	nfFam, nftFam, tool := byte(unix.NFPROTO_IPV4), "ip", "iptables-legacy"
	if fam == IPv6 {
		nfFam, nftFam, tool = unix.NFPROTO_IPV6, "ip6", "ip6tables-legacy"
	}
	ns.NFT("table " + nftFam + " nftsync-x { chain OUTPUT { type filter hook output priority filter; }; }")
	raw := rawConn(t, ns)
	all, err := rawMarshalExprs(nfFam, tr.Exprs())
	if err != nil {
		t.Fatal(err)
	}
	if err := rawAddRule(raw, nfFam, "nftsync-x", "OUTPUT", all, nil, ruleCompat(t, r)); err != nil {
		t.Fatal(err)
	}
	legacyArgs, _ := SplitArgs(legacy)
	ns.Exec(tool, append([]string{"-A", "OUTPUT"}, legacyArgs...)...)
	if err := ns.Do(send); err != nil {
		t.Fatal(err)
	}
	legacyN = countOf(t, regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s`), ns.Exec(tool, "-L", "OUTPUT", "-v", "-x", "-n"))
	oursN = countOf(t, regexp.MustCompile(`counter packets (\d+)`), ns.Exec("nft", "list", "chain", nftFam, "nftsync-x", "OUTPUT"))
	return legacyN, oursN
}

// TestXtFallbackTranslate: rules nft cannot say exactly install the xt
// extension, and translate keeps printing iptables-translate's text.
func TestXtFallbackTranslate(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args, text string
		xt         string
	}{
		{IPv4, `-m conntrack ! --ctstate SNAT`, `ct status snat counter`, "xt match conntrack"},
		{IPv4, `-m conntrack --ctstate SNAT,NEW --ctstatus ASSURED`, `ct status snat ct status assured counter`, "xt match conntrack"},
		{IPv4, `-m conntrack --ctstate SNAT,DNAT`, `ct status snat counter`, "xt match conntrack"},
		{IPv4, `-m conntrack --ctstatus NONE`, `ct status counter`, "xt match conntrack"},
		{IPv4, `-m conntrack --ctorigdstport 80`, `ct original proto-dst 80 counter`, "xt match conntrack"},
		{IPv4, `-m conntrack ! --ctproto tcp --ctorigdstport 80`, `ct original protocol != 6 ct original proto-dst 80 counter`, "xt match conntrack"},
		{IPv4, `-m conntrack --ctexpire 5000000`, `ct expiration 5000000 counter`, "xt match conntrack"},
		{IPv4, `-m helper --helper ftp`, `ct helper "ftp" counter`, "xt match helper"},
		{IPv4, `-j NFQUEUE --queue-num 4`, `counter queue num 4`, "xt target NFQUEUE"},
		{IPv4, `-m quota --quota 18446744073709551615`, `quota 18446744073709551615 bytes counter`, "xt match quota"},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		tr, err := r.Translate()
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: text %q, want %q", c.args, got, c.text)
		}
		found := false
		for _, s := range tr.Stmts {
			found = found || s.Xt == c.xt
		}
		if !found {
			t.Errorf("%s: no %s statement", c.args, c.xt)
		}
	}
}
