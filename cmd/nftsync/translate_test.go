package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// runPure runs the binary with an empty PATH (through env, by absolute
// path): translate must not need any other program.
func runPure(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runBin(t, stdin, []string{"env", "PATH="}, args...)
}

// translateLines are command lines with what iptables-translate 1.8.9 (or
// ip6tables-translate, with -6) prints for them.
var translateLines = []struct {
	args string
	want string
}{
	{`-A INPUT -p tcp --dport 22 -j ACCEPT`, `nft 'add rule ip filter INPUT tcp dport 22 counter accept'`},
	{`-I OUTPUT -p udp -d 8.8.8.8 -j ACCEPT`, `nft 'insert rule ip filter OUTPUT ip protocol udp ip daddr 8.8.8.8 counter accept'`},
	{`-t nat -A KILO-NAT -s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j RETURN`, `nft 'add rule ip nat KILO-NAT ip saddr 10.4.0.0/16 counter return comment "Kilo: jump"'`},
	{`-A FORWARD -i eth*foo*+ -o eth++`, `nft 'add rule ip filter FORWARD iifname "eth*foo**" oifname "eth+*" counter'`},
	{`-I INPUT -s 10.11.12.13/255.0.255.0`, `nft 'insert rule ip filter INPUT ip saddr & 255.0.255.0 == 10.0.12.0 counter'`},
	{`-A FORWARD ! -i +`, `nft 'add rule ip filter FORWARD iifname "INVAL/D" counter'`},
	{`-6 -I INPUT -i iifname -s feed::/16`, `nft 'insert rule ip6 filter INPUT iifname "iifname" ip6 saddr feed::/16 counter'`},
	{`-6 -A FORWARD ! -p 132`, `nft 'add rule ip6 filter FORWARD meta l4proto != sctp counter'`},
	{`-t nat -6 -A POSTROUTING -s fd00::/8 -j RETURN`, `nft 'add rule ip6 nat POSTROUTING ip6 saddr fd00::/8 counter return'`},
	{`-F -t nat`, `nft flush table ip nat`},
	{`-F INPUT`, `nft flush chain ip filter INPUT`},
	{`-N KILO-IPIP`, `nft add chain ip filter KILO-IPIP`},
	{`-6 -t nat -X KILO-NAT`, `nft delete chain ip6 nat KILO-NAT`},
}

func TestTranslateCLI(t *testing.T) {
	for _, c := range translateLines {
		r := runPure(t, "", append([]string{"translate"}, splitArgs(t, c.args)...)...)
		if r.code != 0 || r.stderr != "" || r.stdout != c.want+"\n" {
			t.Errorf("nftsync translate %s: want %q, got %s", c.args, c.want, r)
		}
	}
}

func splitArgs(t *testing.T, s string) []string {
	t.Helper()
	args, err := rule.SplitArgs(s)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// TestTranslateCLIMatchesIptablesTranslate runs the same lines through the
// installed iptables-translate, when there is one.
func TestTranslateCLIMatchesIptablesTranslate(t *testing.T) {
	for _, c := range translateLines {
		checkIptablesTranslate(t, c.args, c.want)
	}
}

// checkIptablesTranslate fails the test unless the installed
// iptables-translate prints want and a line break for the arguments of
// nftsync translate (see iptablesTranslate).
func checkIptablesTranslate(t *testing.T, line, want string) {
	t.Helper()
	tool, out, err := iptablesTranslate(t, line)
	switch {
	case err != nil:
		t.Errorf("%s %s: %v", tool, line, err)
	case string(out) != want+"\n":
		t.Errorf("%s %s printed %q; the test expects %q", tool, line, out, want)
	}
}

// iptablesTranslate runs the installed iptables-translate on the arguments
// of nftsync translate (ip6tables-translate for a leading -6, or one
// after -t TABLE) and returns the tool's name and stdout; it skips, or
// fails under NFTSYNC_REQUIRE_ROOT, when the tool is not installed.
func iptablesTranslate(t *testing.T, line string) (string, []byte, error) {
	t.Helper()
	args := splitArgs(t, line)
	tool := "iptables-translate"
	if args[0] == "-6" {
		tool, args = "ip6tables-translate", args[1:]
	} else if len(args) > 2 && args[2] == "-6" {
		tool, args = "ip6tables-translate", append(args[:2:2], args[3:]...)
	}
	bin := netnstest.RequireBinary(t, tool)
	out, err := exec.Command(bin, args...).Output()
	return tool, out, err
}

func TestTranslateCLIErrors(t *testing.T) {
	cases := []struct {
		args, stderr string
	}{
		{`-A INPUT -p tcp --dprot 22 -j ACCEPT`, `"--dprot": unknown option`},
		{`-A INPUT -s 10.0.0.300 -j ACCEPT`, `"10.0.0.300": not an IP address`},
		{`-6 -A INPUT -s 10.0.0.1 -j ACCEPT`, `"10.0.0.1": is not an IPv6 address`},
		{`-A INPUT -m nosuchmatch --foo -j ACCEPT`, `"nosuchmatch": unknown or unsupported match module`},
		{`-s 10.0.0.1 -j ACCEPT`, `no command`},
		{`-P INPUT DROP`, `"-P": translation not implemented`},
		{`-t nat -A PREROUTING -j DROP`, `"DROP": the "nat" table is not intended for filtering`},
		{`-f`, `"-f": option requires a file name`},
		{`-f /nonexistent/rules`, `reading rules: open /nonexistent/rules`},
		{`-f x -A INPUT`, `"-A": -f FILE takes no other arguments`},
	}
	for _, c := range cases {
		r := runPure(t, "", append([]string{"translate"}, splitArgs(t, c.args)...)...)
		if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, c.stderr) || !strings.HasPrefix(r.stderr, "nftsync: ") {
			t.Errorf("nftsync translate %s: want a failure with %q on stderr and nothing on stdout, got %s", c.args, c.stderr, r)
		}
	}
}

func TestTranslateCLIFile(t *testing.T) {
	path := filepath.Join("..", "..", "rule", "testdata", "restore", "kilo.rules")
	golden, err := os.ReadFile(filepath.Join("..", "..", "rule", "testdata", "restore", "kilo.ip.nft"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Translated by nftsync from " + path + "\n" + string(golden) + "# Completed\n"
	if r := runPure(t, "", "translate", "-f", path); r.code != 0 || r.stdout != want {
		t.Errorf("translate -f %s: want\n%s\ngot %s", path, want, r)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want = strings.Replace(want, "from "+path, "from stdin", 1)
	if r := runPure(t, string(data), "translate", "--file=-"); r.code != 0 || r.stdout != want {
		t.Errorf("translate --file=- < %s: want\n%s\ngot %s", path, want, r)
	}
	bad := "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOPE\nCOMMIT\n"
	r := runPure(t, bad, "translate", "-6", "-f", "-")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, `stdin:3: "NOPE": chain does not exist`) {
		t.Errorf("translate of a bad file: got %s", r)
	}
}

func TestTranslateCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"translate", "--help"}, {"translate", "-h"}, {"translate"}, {"help", "translate"}} {
		r := runPure(t, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:\n  nftsync translate -A INPUT -p tcp --dport 22 -j ACCEPT") {
			t.Errorf("nftsync %s: no usage with examples: %s", strings.Join(args, " "), r)
		}
	}
}
