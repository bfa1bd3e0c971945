package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// converges checks the convergence property on files v4 and v6 ("" for
// none) in a fresh namespace: apply, then diff is empty; a second apply
// keeps every rule handle; the listing shows no foreign rule, and applying
// it changes nothing. It returns the listings.
func converges(t *testing.T, v4, v6 string) (string, string) {
	t.Helper()
	ns := netnstest.New(t)
	var files []string
	if v4 != "" {
		files = append(files, "-4", writeFile(t, "rules.v4", v4))
	}
	if v6 != "" {
		files = append(files, "-6", writeFile(t, "rules.v6", v6))
	}
	mustRun(t, 0, ns, "", append([]string{"apply"}, files...)...)
	if r := nftsync(t, ns, "", append([]string{"diff"}, files...)...); r.code != 0 || r.stdout != "" {
		t.Errorf("diff after apply: want exit 0 and no output, got %s", r)
	}
	before := ns.Exec("nft", "-a", "list", "ruleset")
	mustRun(t, 0, ns, "", append([]string{"apply"}, files...)...)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("a second apply changed the ruleset (handles or counters):\nbefore:\n%s\nafter:\n%s", before, after)
	}
	l4 := mustRun(t, 0, ns, "", "list").stdout
	l6 := mustRun(t, 0, ns, "", "list", "-6").stdout
	if strings.Contains(l4+l6, "foreign rule") {
		t.Errorf("an owned rule is listed as foreign:\n%s%s", l4, l6)
	}
	listed := append([]string{"apply"}, "-4", writeFile(t, "listed.v4", l4), "-6", writeFile(t, "listed.v6", l6))
	mustRun(t, 0, ns, "", listed...)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("applying the listing changed the ruleset:\nbefore:\n%s\nafter:\n%s\nlisting:\n%s%s", before, after, l4, l6)
	}
	return l4, l6
}

// ruleLines returns the -A lines of a listing.
func ruleLines(listing string) []string {
	return regexp.MustCompile(`(?m)^-A .*$`).FindAllString(listing, -1)
}

// TestConvergenceDefects holds rules that once were deleted and re-added
// on every apply (the kernel dumps them differently from how they are
// built) or read back as foreign.
func TestConvergenceDefects(t *testing.T) {
	l4, _ := converges(t, `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
-A INPUT -m conntrack --ctproto tcp -j ACCEPT
-A INPUT -m conntrack ! --ctproto udp -j ACCEPT
-A INPUT -j NFLOG --nflog-threshold 0
-A INPUT -j NFLOG --nflog-threshold 1
-A INPUT -m comment --comment "back\\slash" -j ACCEPT
-A FORWARD -m devgroup ! --src-group 0x2 --dst-group 0xc/0xc -j ACCEPT
-A INPUT -j NFLOG --nflog-group 3 --nflog-threshold 0 --nflog-size 0
-A INPUT -p sctp -m comment --comment "" -j DROP
-A INPUT -m comment --comment "" -m comment --comment "x" -j DROP
-A INPUT -m comment --comment a -p tcp -m comment --comment b -j DROP
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -j CONNMARK --restore-mark --right-shift-mark 3
-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 5
-A PREROUTING -j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5
COMMIT
`, "")
	for _, want := range []string{`-A INPUT -p sctp -m comment --comment "" -j DROP`, `-A INPUT -j NFLOG --nflog-threshold 1`, `-A INPUT -j NFLOG`} {
		found := false
		for _, l := range ruleLines(l4) {
			found = found || l == want
		}
		if !found {
			t.Errorf("listing lacks %q:\n%s", want, l4)
		}
	}
}

// TestConvergenceAcceptedInputs holds inputs iptables accepts that
// nftsync once refused: ICMP codes and names, NAT to a port only,
// IPv4-mapped IPv6 addresses, comments longer than nft's 128 bytes.
func TestConvergenceAcceptedInputs(t *testing.T) {
	long := strings.Repeat("c", 200)
	l4, l6 := converges(t, `*filter
:INPUT ACCEPT [0:0]
-A INPUT -p icmp --icmp-type 3/4 -j DROP
-A INPUT -p icmp ! --icmp-type fragmentation-needed -j ACCEPT
-A INPUT -p icmp --icmp-type frag -j ACCEPT
-A INPUT -p icmp --icmp-type 42 -j ACCEPT
-A INPUT -m comment --comment "`+long+`" -j ACCEPT
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
:PREROUTING ACCEPT [0:0]
-A POSTROUTING -p tcp -j SNAT --to-source :80
-A PREROUTING -p udp -j DNAT --to-destination :53-54
COMMIT
`, `*filter
:INPUT ACCEPT [0:0]
-A INPUT -p ipv6-icmp --icmpv6-type 1/3 -j DROP
-A INPUT -p ipv6-icmp ! --icmpv6-type no-route -j DROP
-A INPUT -s ::ffff:10.0.0.1 -d ::ffff:10.0.0.0/104 -j DROP
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -p udp -j SNAT --to-source :80-90 --random
COMMIT
`)
	for _, want := range []string{
		"-A INPUT -p icmp -m icmp --icmp-type 3/4 -j DROP",
		"-A INPUT -p icmp -m icmp ! --icmp-type 3/4 -j ACCEPT",
		"-A POSTROUTING -p tcp -j SNAT --to-source :80",
		"-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 1/3 -j DROP",
		"-A INPUT -s ::ffff:10.0.0.1/128 -d ::ffff:10.0.0.0/104 -j DROP",
		"-A POSTROUTING -p udp -j SNAT --to-source :80-90 --random",
	} {
		if !strings.Contains(l4+l6, want+"\n") {
			t.Errorf("listing lacks %q:\n%s%s", want, l4, l6)
		}
	}
}

// TestLongCommentConverges checks that a comment of 255 bytes, the most
// iptables keeps, and one of 256 that iptables cuts to 255, are installed
// and converge (nft/longspec.go keeps the
// spec in the rule when the userdata cannot hold it).
func TestLongCommentConverges(t *testing.T) {
	// 256 and more: iptables cuts the comment to 255 bytes, and lists it so.
	for _, n := range []int{255, 256} {
		in := "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"" + strings.Repeat("c", n) + "\" -j ACCEPT\nCOMMIT\n"
		l4, _ := converges(t, in, "")
		if !strings.Contains(l4, "--comment "+strings.Repeat("c", 255)+" ") {
			t.Errorf("%d-byte comment: listing lacks the 255-byte comment:\n%s", n, l4)
		}
	}
}

// TestMultiRuleFormsAsIptables checks iptables' own multi-rule forms
// against iptables-legacy in a scratch namespace: -s a,b -d c,d is one
// rule per pair in iptables' order, -I reverses them; they converge; and
// -c or the [PKTS:BYTES] prefix sets where the counter starts.
func TestMultiRuleFormsAsIptables(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	in := `*filter
:INPUT ACCEPT [0:0]
-A INPUT -s 1.1.1.1,2.2.2.2/8 -d 3.3.3.3,4.4.4.4 -j ACCEPT
-I INPUT 1 -s 5.5.5.5,6.6.6.6 -j DROP
-A INPUT -s 7.7.7.7,7.7.7.7 -c 10 20 -j DROP
[30:40] -A INPUT -d 10.0.0.0/8,10.1.2.3/8 -j DROP
COMMIT
`
	l4, _ := converges(t, in, "")
	legacy := netnstest.New(t)
	f := writeFile(t, "legacy.v4", in)
	legacy.Exec("sh", "-c", "iptables-legacy-restore < "+f)
	want := ruleLines(legacy.Exec("iptables-legacy-save", "-t", "filter"))
	if got := ruleLines(l4); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list:\n%s\niptables-legacy-save:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCountersStartAndStay checks that -c sets the counter a new rule
// starts from, and that a later apply with other counters keeps the rule
// (counters are live, not part of the rule).
func TestCountersStartAndStay(t *testing.T) {
	ns := netnstest.New(t)
	f := writeFile(t, "c.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 7.7.7.7 -c 10 20 -j DROP\n[30:40] -A INPUT -s 8.8.8.8 -j DROP\nCOMMIT\n")
	mustRun(t, 0, ns, "", "apply", "-4", f)
	before := ns.Exec("nft", "-a", "list", "ruleset")
	for _, want := range []string{"counter packets 10 bytes 20", "counter packets 30 bytes 40"} {
		if !strings.Contains(before, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, before)
		}
	}
	g := writeFile(t, "g.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 7.7.7.7 -c 1 2 -j DROP\n-A INPUT -s 8.8.8.8 -j DROP\nCOMMIT\n")
	if r := nftsync(t, ns, "", "diff", "-4", g); r.code != 0 {
		t.Errorf("other counters make a difference: %s", r)
	}
	mustRun(t, 0, ns, "", "apply", "-4", g)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("apply with other counters changed the ruleset:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestCountersIPTablesBackend checks -c with the iptables backend: the
// rules iptables makes of -s a,b start from the counters given.
func TestCountersIPTablesBackend(t *testing.T) {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "iptables-save")
	args := []string{"--backend", "iptables", "--state-dir", t.TempDir(), "-4",
		writeFile(t, "c.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 7.7.7.7,8.8.8.8 -c 10 20 -j DROP\nCOMMIT\n")}
	mustRun(t, 0, ns, "", append([]string{"apply"}, args...)...)
	saved := ns.Exec("iptables-save", "-c", "-t", "filter")
	for _, want := range []string{"[10:20] -A INPUT -s 7.7.7.7/32 -j DROP\n", "[10:20] -A INPUT -s 8.8.8.8/32 -j DROP\n"} {
		if !strings.Contains(saved, want) {
			t.Errorf("iptables-save -c lacks %q:\n%s", want, saved)
		}
	}
	if r := nftsync(t, ns, "", append([]string{"diff"}, args...)...); r.code != 0 {
		t.Errorf("diff after apply: %s", r)
	}
}

// TestNonUTF8Bytes checks that bytes that are not UTF-8 are never changed:
// in a comment (which nft prints as text) they are refused naming
// FILE:LINE before anything changes; elsewhere they are kept exactly.
func TestNonUTF8Bytes(t *testing.T) {
	ns := netnstest.New(t)
	f := writeFile(t, "bad.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -m comment --comment \"a\xffb\" -j ACCEPT\nCOMMIT\n")
	r := mustRun(t, 1, ns, "", "apply", "-4", f)
	if !strings.Contains(r.stderr, f+":4: ") || !strings.Contains(r.stderr, "not valid UTF-8") {
		t.Errorf("refusal does not name FILE:LINE and the reason:\n%s", r)
	}
	if out := ns.Exec("nft", "list", "ruleset"); strings.Contains(out, "table") {
		t.Errorf("a refused apply changed the ruleset:\n%s", out)
	}
	l4, _ := converges(t, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i \"e\xfex\" -j LOG --log-prefix \"p\xff \"\nCOMMIT\n", "")
	if !strings.Contains(l4, "-A INPUT -i e\xfex -j LOG --log-prefix \"p\xff \"\n") {
		t.Errorf("bytes changed:\n%q", l4)
	}
}

// TestQuotedCommentConverges: a comment with a double quote or a
// backslash, which iptables accepts and iptables-save escapes, is
// installed with its whole text, listed back as iptables-legacy-save lists
// it, and converges; nft, which would print it unescaped, shows no comment,
// so that its listing still loads with nft -f.
func TestQuotedCommentConverges(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	in := "*filter\n:INPUT ACCEPT [0:0]\n" +
		`-A INPUT -s 10.0.0.1/32 -m comment --comment "say \"hi\" \\ back" -j ACCEPT` + "\n" +
		`-A INPUT -s 10.0.0.2/32 -m comment --comment "\"" -j DROP` + "\nCOMMIT\n"
	l4, _ := converges(t, in, "")
	legacy := netnstest.New(t)
	legacy.Exec("sh", "-c", "iptables-legacy-restore < "+writeFile(t, "legacy.v4", in))
	want := ruleLines(legacy.Exec("iptables-legacy-save", "-t", "filter"))
	if got := ruleLines(l4); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list:\n%s\niptables-legacy-save:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ns := netnstest.New(t)
	mustRun(t, 0, ns, "", "apply", "-4", writeFile(t, "q.v4", in))
	listing := ns.Exec("nft", "list", "ruleset")
	for _, l := range strings.Split(listing, "\n") {
		if strings.Contains(l, "counter") && strings.Contains(l, "comment") {
			t.Errorf("nft lists a comment it cannot print: %s", l)
		}
	}
	other := netnstest.New(t)
	other.Exec("nft", "-f", writeFile(t, "listing.nft", listing))
}

// TestInstalledNftListsOurRules: the installed nft must still list the
// ruleset after nftsync installed rules whose native form nft 1.0.6 aborts
// on (sctp chunk types it does not know: every --chunk-types only, and
// i-data), and after an IPv6 -j TOS (placed in ip6 mangle).
func TestInstalledNftListsOurRules(t *testing.T) {
	ns := netnstest.New(t)
	v4 := writeFile(t, "n.v4", "*filter\n:INPUT ACCEPT [0:0]\n"+
		"-A INPUT -p sctp -m sctp --chunk-types only INIT -j DROP\n"+
		"-A INPUT -p sctp -m sctp --chunk-types any I_DATA -j DROP\n"+
		"-A INPUT -p sctp -m sctp --chunk-types all DATA:Be -j DROP\nCOMMIT\n")
	v6 := writeFile(t, "n.v6", "*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j TOS --set-tos 0x10\nCOMMIT\n")
	mustRun(t, 0, ns, "", "apply", "-4", v4, "-6", v6)
	ns.Exec("nft", "list", "ruleset") // fails the test when nft aborts
	converges(t, readFile(t, v4), readFile(t, v6))
}

// TestSegmentsFlag: --segments 10 keeps a 60-rule chain as several kernel
// chains; diff with the same flag finds nothing to do, a second apply
// changes nothing, and list shows the one iptables chain.
func TestSegmentsFlag(t *testing.T) {
	ns := netnstest.New(t)
	var in strings.Builder
	in.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&in, "-A INPUT -s 10.0.%d.%d/32 -j ACCEPT\n", i/250, i%250+1)
	}
	in.WriteString("COMMIT\n")
	f := writeFile(t, "seg.v4", in.String())
	mustRun(t, 0, ns, "", "apply", "--segments", "10", "-4", f)
	kernel := ns.Exec("nft", "list", "chains")
	if n := strings.Count(kernel, "chain "); n < 4 {
		t.Errorf("want the chain in several segments, nft lists %d chains:\n%s", n, kernel)
	}
	if r := nftsync(t, ns, "", "diff", "--segments", "10", "-4", f); r.code != 0 || r.stdout != "" {
		t.Errorf("diff after apply: %s", r)
	}
	before := ns.Exec("nft", "-a", "list", "ruleset")
	mustRun(t, 0, ns, "", "apply", "--segments", "10", "-4", f)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("a second apply changed the ruleset")
	}
	if got, want := ruleLines(mustRun(t, 0, ns, "", "list").stdout), ruleLines(in.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
