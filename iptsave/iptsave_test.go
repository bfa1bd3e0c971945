package iptsave

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// summary prints a ruleset one chain a line with its rules, to compare.
func summary(rs *firewall.Ruleset, labels bool) string {
	var b strings.Builder
	for _, c := range rs.Chains {
		fmt.Fprintf(&b, "%s %s %s %q\n", c.Family, c.Table, c.Name, c.Policy)
		for _, r := range c.Rules {
			fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(r.Spec.Key()))
			if labels {
				fmt.Fprintf(&b, "  @ %s\n", r.Label)
			}
		}
	}
	return b.String()
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"declared chains and rules", `# comment
*filter
:INPUT DROP [3:4]
:FOO - [0:0]

-A INPUT -s 10.0.0.0/8 -m comment --comment "a b" -j FOO
[1:2] -A FOO -j ACCEPT
COMMIT
`, `ip filter INPUT "DROP"
  ip -s 10.0.0.0/8 -m comment --comment "a b" -j FOO
  @ f:6: -A INPUT -s 10.0.0.0/8 -m comment --comment "a b" -j FOO
ip filter FOO ""
  ip -j ACCEPT
  @ f:7: [1:2] -A FOO -j ACCEPT
`},
		{"builtin chains need no declaration; -N declares", `*nat
-N KILO-NAT
-A POSTROUTING -j KILO-NAT
-A KILO-NAT -j RETURN
COMMIT
`, `ip nat KILO-NAT ""
  ip -j RETURN
  @ f:4: -A KILO-NAT -j RETURN
ip nat POSTROUTING ""
  ip -j KILO-NAT
  @ f:3: -A POSTROUTING -j KILO-NAT
`},
		{"insert positions", `*filter
-A INPUT -s 10.0.0.1
-A INPUT -s 10.0.0.2
-I INPUT -s 10.0.0.3
-I INPUT 3 -s 10.0.0.4
-I INPUT 5 -s 10.0.0.5
COMMIT
`, `ip filter INPUT ""
  ip -s 10.0.0.3/32
  @ f:4: -I INPUT -s 10.0.0.3
  ip -s 10.0.0.1/32
  @ f:2: -A INPUT -s 10.0.0.1
  ip -s 10.0.0.4/32
  @ f:5: -I INPUT 3 -s 10.0.0.4
  ip -s 10.0.0.2/32
  @ f:3: -A INPUT -s 10.0.0.2
  ip -s 10.0.0.5/32
  @ f:6: -I INPUT 5 -s 10.0.0.5
`},
		{"delete, flush, delete chain, policy", `*filter
:A - [0:0]
:B - [0:0]
-A INPUT -s 10.0.0.1
-A INPUT -s 10.0.0.2
-A INPUT -s 10.0.0.3
-A B -j ACCEPT
-D INPUT 1
-D INPUT -s 10.0.0.3/32
-F B
-X B
-P INPUT DROP
COMMIT
`, `ip filter A ""
ip filter INPUT "DROP"
  ip -s 10.0.0.2/32
  @ f:5: -A INPUT -s 10.0.0.2
`},
	}
	for _, c := range cases {
		rs, err := Parse(strings.NewReader(c.in), "f", rule.IPv4)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := summary(rs, true); got != c.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"undeclared chain", "*filter\n-A FOO -j ACCEPT\nCOMMIT\n", `rules:2: "FOO": chain does not exist in table filter`},
		{"undeclared jump", "*filter\n-A INPUT -j FOO\nCOMMIT\n", `rules:2: "FOO": chain does not exist in table filter`},
		{"missing COMMIT", "*filter\n-A INPUT -j ACCEPT\n", `rules:2: *filter: COMMIT expected`},
		{"bad option", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dprot 22 -j ACCEPT\nCOMMIT\n", `rules:3: "--dprot": unknown option`},
		{"insert too far", "*filter\n-I INPUT 2 -j ACCEPT\nCOMMIT\n", `rules:2: -I INPUT 2 -j ACCEPT: index of insertion too big`},
		{"delete missing rule", "*filter\n-D INPUT -j ACCEPT\nCOMMIT\n", `rules:2: -D INPUT -j ACCEPT: no such rule in chain INPUT`},
		{"delete missing number", "*filter\n-A INPUT\n-D INPUT 2\nCOMMIT\n", `rules:3: -D INPUT 2: chain INPUT has 1 rules, there is no rule 2`},
		{"delete non-empty chain", "*filter\n:A - [0:0]\n-A A -j ACCEPT\n-X A\nCOMMIT\n", `rules:4: -X A: cannot delete chain A: it still has 1 rules`},
		{"delete referenced chain", "*filter\n:A - [0:0]\n-A INPUT -j A\n-X\nCOMMIT\n", `rules:4: -X: cannot delete chain A: rules:3: -A INPUT -j A jumps to it`},
		{"list", "*filter\n-L\nCOMMIT\n", `rules:2: -L: command not allowed in a restore file`},
		{"family", "*filter\n-A INPUT -d fe80::1\nCOMMIT\n", `rules:2: "fe80::1": is not an IPv4 address`},
		{"line over 1 MiB", "*filter\n-A INPUT -m comment --comment \"" + strings.Repeat("a", MaxLineLen) + "\" -j ACCEPT\nCOMMIT\n",
			`rules:2: "-A INPUT -m comment --comment \"aaaa`},
		{"NUL in a declared chain", "*filter\n:FO\x00O - [0:0]\nCOMMIT\n", `rules:2: ":FO\x00O - [0:0]": NUL byte at column 4`},
		{"NUL in a new chain", "*filter\n-N FO\x00O\nCOMMIT\n", `rules:2: "-N FO\x00O": NUL byte at column 6`},
		{"comment not UTF-8", "*filter\n-A INPUT -m comment --comment \"a\xffb\" -j ACCEPT\nCOMMIT\n",
			`rules:2: "a\xffb": comment is not valid UTF-8`},
	}
	for _, c := range cases {
		_, err := Parse(strings.NewReader(c.in), "rules", rule.IPv4)
		if err == nil {
			t.Errorf("%s: no error, want %s", c.name, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got  %v\n want %s...", c.name, err, c.want)
		}
		var le *rule.LineError
		if !errors.As(err, &le) {
			t.Errorf("%s: %T is not a *rule.LineError", c.name, err)
		}
	}
}

// roundTrip writes rs, parses the output back and checks that chains,
// policies, rule keys and Head survive; it returns the written text.
func roundTrip(t *testing.T, rs *firewall.Ruleset, fam rule.Family) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, rs, fam); err != nil {
		t.Fatalf("Write: %v", err)
	}
	back, err := Parse(bytes.NewReader(buf.Bytes()), "written", fam)
	if err != nil {
		t.Fatalf("Parse(Write()): %v\n%s", err, buf.String())
	}
	norm := func(rs *firewall.Ruleset) map[string]string {
		m := map[string]string{}
		for _, c := range rs.Chains {
			if c.Family != fam {
				continue
			}
			var b strings.Builder
			policy := c.Policy
			if policy == "" && c.Builtin() {
				policy = "ACCEPT"
			}
			fmt.Fprintf(&b, "%s head %d", policy, c.Head)
			for _, r := range c.Rules {
				b.WriteString("\n" + r.Spec.Key())
			}
			m[c.Table+" "+c.Name] = b.String()
		}
		return m
	}
	want, got := norm(rs), norm(back)
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("round trip changed the ruleset:\nbefore: %v\nafter:  %v\nwritten:\n%s", want, got, buf.String())
	}
	var again bytes.Buffer
	if err := Write(&again, back, fam); err != nil || again.String() != buf.String() {
		t.Errorf("second Write differs (%v):\n%s\nvs\n%s", err, again.String(), buf.String())
	}
	return buf.String()
}

func TestRoundTripFiles(t *testing.T) {
	for _, f := range []struct {
		file string
		fam  rule.Family
	}{{"kilo.rules", rule.IPv4}, {"ip6.rules", rule.IPv6}} {
		data, err := os.ReadFile(filepath.Join("testdata", f.file))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := Parse(bytes.NewReader(data), f.file, f.fam)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.Chains) == 0 {
			t.Fatalf("%s: no chains", f.file)
		}
		roundTrip(t, rs, f.fam)
	}
}

func TestWriteFormat(t *testing.T) {
	mk := func(fam rule.Family, s string) firewall.Rule {
		r, err := rule.ParseString(fam, s)
		if err != nil {
			t.Fatal(err)
		}
		return firewall.Rule{Spec: r}
	}
	rs := &firewall.Ruleset{Chains: []*firewall.Chain{
		{Table: "nat", Name: "ZED"},
		{Table: "filter", Name: "AAA", Rules: []firewall.Rule{
			mk(rule.IPv4, `-m comment --comment plain_-09`),
			mk(rule.IPv4, `-m comment --comment "a.b"`),
			mk(rule.IPv4, `-m comment --comment "it's a\\b"`),
		}},
		{Table: "filter", Name: "INPUT", Policy: "DROP", Rules: []firewall.Rule{mk(rule.IPv4, `-p tcp --dport 22 -i wg+ -s 10.0.0.0/255.0.255.0 -j ZZZ`)}},
		{Table: "filter", Name: "FORWARD", Head: 2, Rules: []firewall.Rule{
			mk(rule.IPv4, `-s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT`),
			mk(rule.IPv4, `-d 10.4.0.0/16 -j ACCEPT`),
			mk(rule.IPv4, `-i kilo0 -j DROP`),
		}},
		{Table: "filter", Name: "ZZZ", Head: 1, Rules: []firewall.Rule{mk(rule.IPv4, `-j AAA`)}},
		{Table: "filter", Name: "OUTPUT"},
		{Family: rule.IPv6, Table: "filter", Name: "INPUT", Policy: "DROP"},
		{Table: "mangle", Name: "POSTROUTING"},
	}}
	want := `# Generated by nftsync
*mangle
:POSTROUTING ACCEPT [0:0]
COMMIT
# Completed
# Generated by nftsync
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:AAA - [0:0]
:ZZZ - [0:0]
-A INPUT -s 10.0.0.0/255.0.255.0 -i wg+ -p tcp -m tcp --dport 22 -j ZZZ
-I FORWARD 1 -s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT
-I FORWARD 2 -d 10.4.0.0/16 -j ACCEPT
-A FORWARD -i kilo0 -j DROP
-A AAA -m comment --comment plain_-09
-A AAA -m comment --comment "a.b"
-A AAA -m comment --comment "it\'s a\\b"
-I ZZZ 1 -j AAA
COMMIT
# Completed
# Generated by nftsync
*nat
:ZED - [0:0]
COMMIT
# Completed
`
	got := roundTrip(t, rs, rule.IPv4)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got6 := roundTrip(t, rs, rule.IPv6); got6 != "# Generated by nftsync\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n# Completed\n" {
		t.Errorf("IPv6 output:\n%s", got6)
	}
}

// TestParseLinesKept: "#" lines are skipped whatever their bytes, and a line
// just under the limit is read.
func TestParseLinesKept(t *testing.T) {
	long := strings.Repeat("a", 100)
	in := "# caf\xe9 \x00\n*filter\n-A INPUT -m comment --comment \"" + long + "\" -j ACCEPT\n" +
		"# " + strings.Repeat("x", MaxLineLen-2) + "\nCOMMIT\n"
	rs, err := Parse(strings.NewReader(in), "rules", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	if c := rs.Chain(rule.IPv4, "filter", "INPUT"); c == nil || len(c.Rules) != 1 || !strings.Contains(c.Rules[0].Spec.String(), long) {
		t.Errorf("parsed: %s", summary(rs, false))
	}
}

// TestParseRepeatedTable: a second section of a table replaces the first
// one's rules and user chains, as iptables-restore (which flushes the
// table at each section) leaves them; a policy the first section set stays,
// as with iptables-legacy-restore. Checked against the binary in
// kernel_test.go.
func TestParseRepeatedTable(t *testing.T) {
	rs, err := Parse(strings.NewReader(repeatedTable), "rules", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	want := "ip filter INPUT \"DROP\"\nip filter FORWARD \"\"\n  ip -s 2.2.2.2/32 -j ACCEPT\nip nat POSTROUTING \"\"\n  ip -j MASQUERADE\n"
	if got := summary(rs, false); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// repeatedTable has two filter sections with a nat section between them.
const repeatedTable = `*filter
:INPUT DROP [0:0]
:X - [0:0]
-A INPUT -j X
-A FORWARD -s 1.1.1.1 -j ACCEPT
COMMIT
*nat
-A POSTROUTING -j MASQUERADE
COMMIT
*filter
-A FORWARD -s 2.2.2.2 -j ACCEPT
COMMIT
`
