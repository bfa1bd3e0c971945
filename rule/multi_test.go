package rule

import (
	"strings"
	"testing"

	"github.com/google/nftables/expr"
)

// TestParseRulesAddressLists checks that -s a,b -d c,d becomes one rule
// per address pair in iptables' order (iptables-legacy-save shows them
// so), and what iptables refuses.
func TestParseRulesAddressLists(t *testing.T) {
	rs, err := ParseRules(IPv4, strings.Fields("-s 1.1.1.1,2.2.2.2/8 -d 3.3.3.3,4.4.4.4 -p tcp --dport 22 -j ACCEPT"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-s 1.1.1.1/32 -d 3.3.3.3/32 -p tcp -m tcp --dport 22 -j ACCEPT",
		"-s 1.1.1.1/32 -d 4.4.4.4/32 -p tcp -m tcp --dport 22 -j ACCEPT",
		"-s 2.0.0.0/8 -d 3.3.3.3/32 -p tcp -m tcp --dport 22 -j ACCEPT",
		"-s 2.0.0.0/8 -d 4.4.4.4/32 -p tcp -m tcp --dport 22 -j ACCEPT",
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rs[0].Matches[0] == rs[1].Matches[0] {
		t.Error("expanded rules share a match")
	}
	// A list with one address twice is two rules, as in iptables.
	if rs, err := ParseRules(IPv6, []string{"-d", "fd00::1,fd00::1", "-j", "DROP"}); err != nil || len(rs) != 2 {
		t.Errorf("-d fd00::1,fd00::1: %d rules, %v", len(rs), err)
	}
	for _, c := range []struct{ args, reason string }{
		{"! -s 1.1.1.1,2.2.2.2", "! is not allowed"},
		{"-s 1.1.1.1,", "empty address"},
		{"-d ,1.1.1.1", "empty address"},
		{"-s 1.1.1.1,x", "not an IP address"},
	} {
		if _, err := ParseRules(IPv4, strings.Fields(c.args)); err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: error %v, want %q", c.args, err, c.reason)
		}
	}
}

// TestCommandAddressListsAndCounters checks the command forms: -c sets the
// counters of every rule the line stands for, without changing their
// meaning, and the translation prints one command per rule.
func TestCommandAddressListsAndCounters(t *testing.T) {
	cmd, err := ParseCommand(IPv4, strings.Fields("-I INPUT -s 1.1.1.1,2.2.2.2 -c 10 20 -j DROP"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmd.Rules) != 2 || cmd.Rule != cmd.Rules[0] {
		t.Fatalf("Rules %v, Rule %v", cmd.Rules, cmd.Rule)
	}
	plain, _ := ParseString(IPv4, "-s 1.1.1.1 -j DROP")
	for _, r := range cmd.Rules {
		if r.Counters != (Counters{Packets: 10, Bytes: 20}) {
			t.Errorf("%s: counters %v", r, r.Counters)
		}
	}
	if !cmd.Rules[0].Equal(plain) || cmd.Rules[0].String() != plain.String() {
		t.Errorf("counters change the rule's meaning: %q vs %q", cmd.Rules[0], plain)
	}
	tr, err := cmd.Rules[0].TranslateExprs()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range tr.Exprs() {
		if c, ok := x.(*expr.Counter); ok {
			found = c.Packets == 10 && c.Bytes == 20
		}
	}
	if !found {
		t.Error("the counter expression does not start at 10 packets, 20 bytes")
	}
	got, err := cmd.Translate()
	if err != nil {
		t.Fatal(err)
	}
	want := "nft 'insert rule ip filter INPUT ip saddr 1.1.1.1 counter drop'\nnft 'insert rule ip filter INPUT ip saddr 2.2.2.2 counter drop'"
	if got != want {
		t.Errorf("Translate:\n%s\nwant\n%s", got, want)
	}
	for _, c := range []struct{ line, reason string }{
		{"-A INPUT -c 1 -j DROP", "not a byte count"},
		{"-A INPUT -j DROP -c 1", "packet and a byte count"},
		{"-A INPUT -c x 1 -j DROP", "not a packet count"},
		{"-A INPUT -c 1 2 -c 1 2 -j DROP", "only be given once"},
		{"-D INPUT -c 1 2 -j DROP", "only be set with -A or -I"},
	} {
		if _, err := ParseCommand(IPv4, strings.Fields(c.line)); err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: error %v, want %q", c.line, err, c.reason)
		}
	}
}

// TestRestoreCounters checks the [PKTS:BYTES] prefix of iptables-save -c
// lines: the rule starts from those counts, unless the line's -c sets
// others, as iptables-restore without --counters takes them ("[5:6] -A
// ... -c 7 8" restores as [7:8]; iptsave's kernel test compares); a second
// -c is refused.
func TestRestoreCounters(t *testing.T) {
	in := "*filter\n:INPUT ACCEPT [1:2]\n[30:40] -A INPUT -d 10.0.0.0/8,10.1.0.0/16 -j DROP\n-A INPUT -c 5 6 -j ACCEPT\n[1:1] -A INPUT -c 7 8 -j ACCEPT\n[1:1] -A INPUT -c 5 6 -c 7 8 -j ACCEPT\nCOMMIT\n"
	var rules []*Rule
	err := ScanRestore(strings.NewReader(in), "f", IPv4, func(l *RestoreLine) error {
		if l.Cmd != nil {
			rules = append(rules, l.Cmd.Rules...)
		}
		return nil
	})
	if err == nil || !strings.HasPrefix(err.Error(), "f:6: ") || !strings.Contains(err.Error(), "only be given once") {
		t.Errorf("a prefix and two -c on one line: %v, want an error at f:6", err)
	}
	want := []Counters{{30, 40}, {30, 40}, {5, 6}, {7, 8}}
	if len(rules) != len(want) {
		t.Fatalf("%d rules, want %d", len(rules), len(want))
	}
	for i, r := range rules {
		if r.Counters != want[i] {
			t.Errorf("rule %d %q: counters %v, want %v", i, r, r.Counters, want[i])
		}
	}
}

// TestRuleCounters checks -c among a rule's arguments (as Kilo's API
// passes them after the chain): the counters are set, the rule unchanged.
func TestRuleCounters(t *testing.T) {
	rs, err := ParseRules(IPv4, strings.Fields("-s 1.1.1.1,2.2.2.2 -c 3 4 -j ACCEPT"))
	if err != nil || len(rs) != 2 {
		t.Fatalf("%v, %v", rs, err)
	}
	for _, r := range rs {
		if r.Counters != (Counters{3, 4}) || strings.Contains(r.String(), "-c") {
			t.Errorf("%q: counters %v", r, r.Counters)
		}
	}
	if _, err := ParseRules(IPv4, strings.Fields("-c 1 2 --set-counters 1 2")); err == nil {
		t.Error("-c twice accepted")
	}
}
