package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// natBaseLines are NAT rules with a base port ("P-Q/BASE"), which nft has
// no statement for, with what iptables-translate 1.8.9 (ip6tables-translate
// with -6) prints for them: the command commented out, each argument
// followed by a space, unquoted, "nft " once more for each further -s
// address and a "!" that negates an option blanked.
var natBaseLines = []struct {
	args, want, target string
}{
	{`-t nat -A PREROUTING -p tcp --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000`,
		`nft # -t nat -A PREROUTING -p tcp --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000 `, "DNAT"},
	{`-A PREROUTING -t nat -p tcp -m comment --comment "a b" --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000`,
		`nft # -A PREROUTING -t nat -p tcp -m comment --comment a b --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000 `, "DNAT"},
	{`-t nat -A OUTPUT -p icmp -j DNAT --to-destination 1.2.3.4:7-9/8`,
		`nft # -t nat -A OUTPUT -p icmp -j DNAT --to-destination 1.2.3.4:7-9/8 `, "DNAT"},
	{`-t nat -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2 -j SNAT --to-source 1.2.3.4:3000-4000/1000`,
		`nft nft # -t nat -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2 -j SNAT --to-source 1.2.3.4:3000-4000/1000 `, "SNAT"},
	{`-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000 --random-fully`,
		`nft # -t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000 --random-fully `, "MASQUERADE"},
	{`-t nat -I POSTROUTING 2 ! -d 10.0.0.0/8 -p tcp -m comment --comment ! -j MASQUERADE --to-ports 5-6/7`,
		`nft # -t nat -I POSTROUTING 2  -d 10.0.0.0/8 -p tcp -m comment --comment ! -j MASQUERADE --to-ports 5-6/7 `, "MASQUERADE"},
	{`-6 -t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1]:3000-4000/1000`,
		`nft # -t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1]:3000-4000/1000 `, "DNAT"},
	{`-t nat -6 -A POSTROUTING -p tcp -s fd00::1,fd00::2 -d fd00::3,fd00::4 -j SNAT --to-source [fd00::1]:5-6/7 --random`,
		`nft nft # -t nat -A POSTROUTING -p tcp -s fd00::1,fd00::2 -d fd00::3,fd00::4 -j SNAT --to-source [fd00::1]:5-6/7 --random `, "SNAT"},
	{`-6 -t nat -A POSTROUTING -p udp -m comment --comment "x y" -j MASQUERADE --to-ports 1000-2000/1000`,
		`nft # -t nat -A POSTROUTING -p udp -m comment --comment x y -j MASQUERADE --to-ports 1000-2000/1000 `, "MASQUERADE"},
}

// natBaseWarning checks that stderr is one warning saying that nft has no
// statement for a base port and that the rule runs only as the xtables
// target, through placement of nat.
func natBaseWarning(t *testing.T, what, stderr, target string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 {
		t.Errorf("%s: want one warning, got %q", what, stderr)
	}
	for _, w := range []string{"nftsync: warning: ", "iptables-translate prints the command commented out", "nft has no statement for a base port",
		"nftsync installs such a rule only as the xtables " + target + " target", "loads only in a table named nat",
		"placement of nat (automatic, or asked for)"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q lacks %q", what, stderr, w)
		}
	}
}

// TestTranslateCLINATBase checks that a NAT rule with a base port prints
// what iptables-translate prints, with a warning.
func TestTranslateCLINATBase(t *testing.T) {
	for _, c := range natBaseLines {
		r := runPure(t, "", append([]string{"translate"}, splitArgs(t, c.args)...)...)
		if r.code != 0 || r.stdout != c.want+"\n" {
			t.Errorf("nftsync translate %s: want %q, got %s", c.args, c.want, r)
			continue
		}
		natBaseWarning(t, c.args, r.stderr, c.target)
	}
	// REDIRECT takes no base port: iptables 1.8.9 refuses it too.
	r := runPure(t, "", "translate", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-j", "REDIRECT", "--to-ports", "1000-2000/1000")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, `"1000-2000/1000": the target takes no base port`) {
		t.Errorf("REDIRECT with a base port: want a failure, got %s", r)
	}
}

// TestTranslateCLINATBaseMatchesIptablesTranslate runs the same lines
// through the installed iptables-translate, when there is one.
func TestTranslateCLINATBaseMatchesIptablesTranslate(t *testing.T) {
	for _, c := range natBaseLines {
		checkIptablesTranslate(t, c.args, c.want)
	}
	for _, args := range []string{`-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 1000-2000/1000`, `-6 -t nat -A OUTPUT -p udp -j REDIRECT --to-ports 1000-2000/1000`} {
		if tool, out, err := iptablesTranslate(t, args); err == nil {
			t.Errorf("%s %s printed %q; the test expects a failure", tool, args, out)
		}
	}
}

// natBaseFiles are restore files with NAT rules with a base port and what
// iptables-restore-translate 1.8.9 (ip6tables-restore-translate for IPv6)
// prints for them between its first and last line (the comments with a
// date): each such rule as "# -t TABLE" and the line's arguments, each
// followed by a space (without a [PKTS:BYTES] prefix).
var natBaseFiles = []struct {
	ipv6            bool
	rules, want     string
	warnAt, targets []string
}{
	{false, `*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000
-A PREROUTING -p tcp -m comment --comment "a  b" ! -s 10.0.0.0/8 -j DNAT --to-destination 1.2.3.4:3000-4000/1000
[5:6] -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2 -j SNAT --to-source 1.2.3.4:3000-4000/1000
-A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000
-A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000
COMMIT
`, `add table ip nat
add chain ip nat PREROUTING { type nat hook prerouting priority -100; policy accept; }
add chain ip nat POSTROUTING { type nat hook postrouting priority 100; policy accept; }
# -t nat -A PREROUTING -p tcp --dport 1000:2000 -j DNAT --to-destination 1.2.3.4:3000-4000/1000 
# -t nat -A PREROUTING -p tcp -m comment --comment a  b  -s 10.0.0.0/8 -j DNAT --to-destination 1.2.3.4:3000-4000/1000 
# -t nat -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2 -j SNAT --to-source 1.2.3.4:3000-4000/1000 
# -t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000 
add rule ip nat POSTROUTING ip protocol udp counter masquerade to :1000-2000
`, []string{":4: ", ":5: ", ":6: ", ":7: "}, []string{"DNAT", "DNAT", "SNAT", "MASQUERADE"}},
	{true, `*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m comment --comment "x y" -j DNAT --to-destination [fec0::1]:3000-4000/1000
-A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000
COMMIT
`, `add table ip6 nat
add chain ip6 nat PREROUTING { type nat hook prerouting priority -100; policy accept; }
add chain ip6 nat POSTROUTING { type nat hook postrouting priority 100; policy accept; }
# -t nat -A PREROUTING -p tcp -m comment --comment x y -j DNAT --to-destination [fec0::1]:3000-4000/1000 
# -t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/1000 
`, []string{":4: ", ":5: "}, []string{"DNAT", "MASQUERADE"}},
}

// TestTranslateCLIFileNATBase checks translate -f on files with NAT rules
// with a base port: iptables-restore-translate's text, a warning a rule.
func TestTranslateCLIFileNATBase(t *testing.T) {
	for _, f := range natBaseFiles {
		args := []string{"translate", "-f", "-"}
		if f.ipv6 {
			args = []string{"translate", "-6", "-f", "-"}
		}
		r := runPure(t, f.rules, args...)
		want := "# Translated by nftsync from stdin\n" + f.want + "# Completed\n"
		if r.code != 0 || r.stdout != want {
			t.Errorf("translate -f (IPv6 %v): want\n%s\ngot %s", f.ipv6, want, r)
			continue
		}
		warns := strings.SplitAfter(r.stderr, "\n")
		if len(warns) != len(f.warnAt)+1 {
			t.Errorf("translate -f (IPv6 %v): want %d warnings, got %q", f.ipv6, len(f.warnAt), r.stderr)
			continue
		}
		for i, at := range f.warnAt {
			if !strings.HasPrefix(warns[i], "nftsync: warning: stdin"+at) {
				t.Errorf("warning %q does not name line %s", warns[i], at)
			}
			natBaseWarning(t, "stdin"+at, warns[i], f.targets[i])
		}
	}
}

// TestTranslateCLIFileNATBaseMatchesIptables runs the same files through
// the installed iptables-restore-translate (ip6tables-restore-translate),
// when there is one.
func TestTranslateCLIFileNATBaseMatchesIptables(t *testing.T) {
	for _, f := range natBaseFiles {
		tool := "iptables-restore-translate"
		if f.ipv6 {
			tool = "ip6tables-restore-translate"
		}
		bin := netnstest.RequireBinary(t, tool)
		path := filepath.Join(t.TempDir(), "rules")
		if err := os.WriteFile(path, []byte(f.rules), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-f", path).Output()
		if err != nil {
			t.Errorf("%s -f %s: %v", tool, path, err)
			continue
		}
		// Leave out the first and last lines, comments with a date.
		lines := strings.SplitAfter(string(out), "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[0], "# Translated by ") || !strings.HasPrefix(lines[len(lines)-2], "# Completed on ") {
			t.Errorf("%s -f printed %q, without the comments the test expects first and last", tool, out)
			continue
		}
		if got := strings.Join(lines[1:len(lines)-2], ""); got != f.want {
			t.Errorf("%s -f printed\n%s\nthe test expects\n%s", tool, got, f.want)
		}
	}
}
