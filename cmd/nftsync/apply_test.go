package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

const (
	kiloV4 = "../../examples/kilo.rules.v4"
	kiloV6 = "../../examples/kilo.rules.v6"
)

// TestApplyListRoundTrip applies the Kilo examples, lists them back, and
// checks that applying the listing changes nothing.
func TestApplyListRoundTrip(t *testing.T) {
	ns := netnstest.New(t)
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4, "-6", kiloV6)
	tables := ns.Exec("nft", "list", "tables")
	for _, want := range []string{"table ip test-nat", "table ip test-filter", "table ip6 test-nat", "table ip6 test-filter"} {
		if !strings.Contains(tables, want) {
			t.Errorf("nft list tables lacks %q:\n%s", want, tables)
		}
	}
	v4 := mustRun(t, 0, ns, "", "list").stdout
	v6 := mustRun(t, 0, ns, "", "list", "-6").stdout
	for _, want := range []string{"*nat", ":KILO-NAT - [0:0]", "-j MASQUERADE", "-A KILO-IPIP -s 192.168.0.11/32", "COMMIT"} {
		if !strings.Contains(v4, want) {
			t.Errorf("list lacks %q:\n%s", want, v4)
		}
	}
	if !strings.Contains(v6, "-A FORWARD -s fd00:10:2:1::/64") || strings.Contains(v6, "10.2.1.0") {
		t.Errorf("list -6 is not the IPv6 state:\n%s", v6)
	}
	f4, f6 := writeFile(t, "listed.v4", v4), writeFile(t, "listed.v6", v6)
	if r := nftsync(t, ns, "", "diff", "-4", f4, "-6", f6); r.code != 0 || r.stdout != "" {
		t.Fatalf("diff of the listed state: want exit 0 and no output, got %s", r)
	}
	before := ns.Exec("nft", "list", "ruleset")
	mustRun(t, 0, ns, "", "apply", "-4", f4, "-6", f6)
	if after := ns.Exec("nft", "list", "ruleset"); after != before {
		t.Errorf("applying the listing changed the ruleset:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The examples themselves are a no-op too once applied.
	if r := nftsync(t, ns, "", "diff", "-4", kiloV4, "-6", kiloV6); r.code != 0 {
		t.Errorf("diff of the applied examples: %s", r)
	}
}

// TestApplyIsDeclarative checks that rules and chains missing from the new
// files are removed, and that a family without a file is emptied.
func TestApplyIsDeclarative(t *testing.T) {
	ns := netnstest.New(t)
	first := writeFile(t, "first.v4", `*filter
:FORWARD ACCEPT [0:0]
:EXTRA - [0:0]
-A FORWARD -s 10.1.0.0/16 -j ACCEPT
-A FORWARD -s 10.2.0.0/16 -j EXTRA
-A EXTRA -p tcp --dport 80 -j DROP
COMMIT
`)
	second := writeFile(t, "second.v4", `*filter
:FORWARD ACCEPT [0:0]
-A FORWARD -s 10.1.0.0/16 -j ACCEPT
COMMIT
`)
	mustRun(t, 0, ns, "", "apply", "-4", first, "-6", kiloV6)
	mustRun(t, 0, ns, "", "apply", "-4", second)
	got := mustRun(t, 0, ns, "", "list").stdout
	if !strings.Contains(got, "-A FORWARD -s 10.1.0.0/16 -j ACCEPT") {
		t.Errorf("kept rule missing:\n%s", got)
	}
	for _, gone := range []string{"EXTRA", "10.2.0.0/16", "--dport 80"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q still listed after applying a file without it:\n%s", gone, got)
		}
	}
	if v6 := mustRun(t, 0, ns, "", "list", "-6").stdout; strings.Contains(v6, "-A ") {
		t.Errorf("IPv6 rules kept although no -6 file was given:\n%s", v6)
	}
	if rs := ns.Exec("nft", "list", "ruleset"); strings.Contains(rs, "EXTRA") || strings.Contains(rs, "fd00:") {
		t.Errorf("kernel still has removed rules:\n%s", rs)
	}
}

// TestApplyBadFile checks that a bad line is reported as FILE:LINE and that
// nothing changes.
func TestApplyBadFile(t *testing.T) {
	ns := netnstest.New(t)
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4)
	before := ns.Exec("nft", "list", "ruleset")
	bad := writeFile(t, "bad.v4", `*filter
:FORWARD ACCEPT [0:0]
-A FORWARD -s 10.9.0.0/16 -j ACCEPT
-A FORWARD -p tcp --dport 99999 -j ACCEPT
COMMIT
`)
	r := nftsync(t, ns, "", "apply", "-4", bad)
	if r.code != 1 || !strings.Contains(r.stderr, bad+":4: ") || r.stdout != "" {
		t.Fatalf("want exit 1 and %q in stderr, got %s", bad+":4: ", r)
	}
	if after := ns.Exec("nft", "list", "ruleset"); after != before {
		t.Errorf("a bad file changed the ruleset:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// A jump to an undeclared chain is refused the same way.
	undeclared := writeFile(t, "jump.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOWHERE\nCOMMIT\n")
	if r := nftsync(t, ns, "", "diff", "-4", undeclared); r.code != 1 || !strings.Contains(r.stderr, undeclared+":3") {
		t.Errorf("jump to an undeclared chain: %s", r)
	}
}

// TestApplyStdin reads the rules from stdin with "-".
func TestApplyStdin(t *testing.T) {
	ns := netnstest.New(t)
	rules := "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 10.4.0.0/16 -o eth0 -j MASQUERADE\nCOMMIT\n"
	mustRun(t, 0, ns, rules, "apply", "-6", kiloV6, "-4", "-")
	if got := mustRun(t, 0, ns, "", "list").stdout; !strings.Contains(got, "-A POSTROUTING -s 10.4.0.0/16 -o eth0 -j MASQUERADE") {
		t.Errorf("rule from stdin not listed:\n%s", got)
	}
	if got := ns.Exec("nft", "list", "table", "ip", "test-nat"); !strings.Contains(got, "masquerade") {
		t.Errorf("kernel lacks the masquerade rule:\n%s", got)
	}
	bad := "*nat\n-A POSTROUTING -j NOPE\nCOMMIT\n"
	if r := nftsync(t, ns, bad, "apply", "-4", "-"); r.code != 1 || !strings.Contains(r.stderr, "stdin:2") {
		t.Errorf("bad stdin: want exit 1 naming stdin:2, got %s", r)
	}
}

// TestNoCapNetAdmin runs apply without capabilities: one clear sentence,
// exit 1, nothing changed.
func TestNoCapNetAdmin(t *testing.T) {
	ns := netnstest.New(t)
	setpriv := netnstest.RequireBinary(t, "setpriv")
	before := ns.Exec("nft", "list", "ruleset")
	drop := []string{setpriv, "--inh-caps=-all", "--bounding-set=-all", "--"}
	for _, args := range [][]string{
		{"apply", "-4", kiloV4},
		{"list"},
		{"cleanup"},
	} {
		r := runBin(t, "", drop, append(args, "--netns", ns.Name, "--owner", "test")...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "nftsync: operation not permitted: ") ||
			!strings.HasSuffix(r.stderr, " the firewall needs CAP_NET_ADMIN (run as root)\n") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v without capabilities: want exit 1 and one sentence naming CAP_NET_ADMIN, got %s", args, r)
		}
	}
	if after := ns.Exec("nft", "list", "ruleset"); after != before {
		t.Errorf("ruleset changed without capabilities:\n%s", after)
	}
}

// TestIPTablesBackend applies through iptables' own tables, each command a
// new process: a smaller apply removes exactly the owner's stale rules next
// to a foreign rule equal to one of them, list shows the owned state, and
// cleanup leaves iptables-save as it was before. The record goes to a
// temporary --state-dir, never /run.
func TestIPTablesBackend(t *testing.T) {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "iptables-save")
	state := t.TempDir()
	ipt := func(args ...string) result {
		return mustRun(t, 0, ns, "", append(args, "--backend", "iptables", "--state-dir", state)...)
	}
	foreign := "-A FORWARD -s 10.9.0.0/16 -j ACCEPT"
	ns.Exec("iptables", strings.Fields(foreign)...)
	before := map[string]string{"filter": save(ns, "filter"), "nat": save(ns, "nat")}

	ipt("apply", "-4", kiloV4, "-6", kiloV6)
	saved := ns.Exec("iptables-save", "-t", "nat")
	if !strings.Contains(saved, `-A KILO-NAT -m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`) {
		t.Errorf("iptables-save lacks the MASQUERADE rule:\n%s", saved)
	}
	if r := nftsync(t, ns, "", "diff", "--backend", "iptables", "--state-dir", state, "-4", kiloV4, "-6", kiloV6); r.code != 0 {
		t.Errorf("diff after apply with the iptables backend: %s", r)
	}
	// Someone else adds a rule equal to one of the owner's.
	owned := `-A FORWARD -d 10.2.1.0/24 -m comment --comment "Kilo: forward packets to the pod subnet" -j ACCEPT`
	if !strings.Contains(ns.Exec("iptables-save", "-t", "filter"), owned+"\n") {
		t.Fatalf("the examples no longer hold %q; pick another rule", owned)
	}
	ns.Exec("iptables", "-A", "FORWARD", "-d", "10.2.1.0/24", "-m", "comment", "--comment", "Kilo: forward packets to the pod subnet", "-j", "ACCEPT")

	smaller := writeFile(t, "smaller.v4", "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s 10.2.2.0/24 -j ACCEPT\nCOMMIT\n")
	ipt("apply", "-4", smaller)
	// The file's rules are appended (-A): after the foreign ones.
	wantFilter := strings.Replace(before["filter"], foreign, foreign+"\n"+owned+"\n-A FORWARD -s 10.2.2.0/24 -j ACCEPT", 1)
	if got := save(ns, "filter"); got != wantFilter {
		t.Errorf("filter after the smaller apply:\n%s\nwant:\n%s", got, wantFilter)
	}
	if got := save(ns, "nat"); got != before["nat"] {
		t.Errorf("nat after the smaller apply:\n%s\nwant:\n%s", got, before["nat"])
	}
	if got := ns.Exec("ip6tables-save"); strings.Contains(got, "-A ") {
		t.Errorf("IPv6 rules kept although no -6 file was given:\n%s", got)
	}

	listed := ipt("list").stdout
	want := "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s 10.2.2.0/24 -j ACCEPT\nCOMMIT\n"
	if !strings.Contains(listed, want) || strings.Count(listed, "\n-A ") != 1 {
		t.Errorf("list:\n%s\nwant:\n%s", listed, want)
	}
	ipt("cleanup")
	if got, want := save(ns, "filter"), strings.Replace(before["filter"], foreign, foreign+"\n"+owned, 1); got != want {
		t.Errorf("filter after cleanup:\n%s\nwant:\n%s", got, want)
	}
	if r := ipt("list"); strings.Contains(r.stdout, "-A ") || strings.Contains(r.stdout, "*") {
		t.Errorf("list after cleanup: %s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "*")); len(left) != 0 {
		t.Errorf("records left after cleanup: %q", left)
	}
}

// save is iptables-save of one IPv4 table without its comment lines.
func save(ns *netnstest.NS, table string) string {
	var out []string
	for _, l := range strings.Split(ns.Exec("iptables-save", "-t", table), "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
