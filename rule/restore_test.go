package rule

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// stripComments drops the "#" lines, whose dates and versions differ.
func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") && l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// restoreGoldens are the testdata files FILE.rules with the expected output
// FILE.FAMILY.nft, recorded from iptables-restore-translate 1.8.9 without its
// comment lines.
var restoreGoldens = []struct {
	file string
	fam  Family
}{
	{"kilo", IPv4}, {"tables", IPv4}, {"tables", IPv6}, {"ip6", IPv6},
}

func translateFile(t *testing.T, path string, fam Family) (string, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return TranslateRestore(f, path, fam)
}

func TestTranslateRestoreGolden(t *testing.T) {
	for _, g := range restoreGoldens {
		path := filepath.Join("testdata", "restore", g.file+".rules")
		got, err := translateFile(t, path, g.fam)
		if err != nil {
			t.Errorf("%s (%s): %v", path, g.fam, err)
			continue
		}
		if !strings.HasPrefix(got, "# Translated by nftsync from "+path+"\n") || !strings.HasSuffix(got, "# Completed\n") {
			t.Errorf("%s: header or footer missing:\n%s", path, got)
		}
		want, err := os.ReadFile(filepath.Join("testdata", "restore", g.file+"."+g.fam.String()+".nft"))
		if err != nil {
			t.Fatal(err)
		}
		if stripComments(got) != stripComments(string(want)) {
			t.Errorf("%s (%s):\ngot:\n%s\nwant:\n%s", path, g.fam, got, want)
		}
	}
}

// TestTranslateRestoreOracle compares with the installed
// iptables-restore-translate, when there is one.
func TestTranslateRestoreOracle(t *testing.T) {
	for _, g := range restoreGoldens {
		tool := "iptables-restore-translate"
		if g.fam == IPv6 {
			tool = "ip6tables-restore-translate"
		}
		bin := netnstest.RequireBinary(t, tool)
		path := filepath.Join("testdata", "restore", g.file+".rules")
		out, err := exec.Command(bin, "-f", path).Output()
		if err != nil {
			t.Fatalf("%s -f %s: %v", tool, path, err)
		}
		got, err := translateFile(t, path, g.fam)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if stripComments(got) != stripComments(string(out)) {
			t.Errorf("%s (%s):\nnftsync:\n%s\n%s:\n%s", path, g.fam, got, tool, out)
		}
	}
}

func TestScanRestoreErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		fam            Family
	}{
		{"no table", "-A INPUT -j ACCEPT\n", `f:1: -A INPUT -j ACCEPT: not inside a table`, IPv4},
		{"bad table", "*foo\nCOMMIT\n", `f:1: "foo": unknown table`, IPv4},
		{"missing commit", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", `f:3: *filter: COMMIT expected: table filter opened at line 1`, IPv4},
		{"table in table", "*filter\n*nat\nCOMMIT\n", `f:2: *nat: COMMIT expected before a new table`, IPv4},
		{"undeclared chain", "*filter\n:INPUT ACCEPT [0:0]\n-A FOO -j ACCEPT\nCOMMIT\n", `f:3: "FOO": chain does not exist in table filter`, IPv4},
		{"undeclared jump", "*filter\n\n# c\n-A INPUT -j FOO\nCOMMIT\n", `f:4: "FOO": chain does not exist in table filter`, IPv4},
		{"jump to other table", "*nat\n:FOO - [0:0]\nCOMMIT\n*filter\n-A INPUT -j FOO\nCOMMIT\n", `f:5: "FOO": chain does not exist`, IPv4},
		{"jump to builtin", "*filter\n-A FORWARD -j INPUT\nCOMMIT\n", `f:2: "INPUT": cannot jump to a built-in chain`, IPv4},
		{"deleted chain", "*filter\n:FOO - [0:0]\n-X FOO\n-A INPUT -j FOO\nCOMMIT\n", `f:4: "FOO": chain does not exist`, IPv4},
		{"bad policy", "*filter\n:INPUT REJECT [0:0]\nCOMMIT\n", `f:2: "REJECT": the policy of built-in chain INPUT must be ACCEPT or DROP`, IPv4},
		{"user chain policy", "*filter\n:FOO ACCEPT [0:0]\nCOMMIT\n", `f:2: "ACCEPT": FOO is not a built-in chain`, IPv4},
		{"bad chain line", "*filter\n:FOO\nCOMMIT\n", `f:2: :FOO: expected :CHAIN POLICY [packets:bytes]`, IPv4},
		{"bad counters", "*filter\n:FOO - 0:0\nCOMMIT\n", `f:2: :FOO - 0:0: expected :CHAIN POLICY`, IPv4},
		{"declared twice", "*filter\n:FOO - [0:0]\n-N FOO\nCOMMIT\n", `f:3: "FOO": chain already declared at line 2`, IPv4},
		{"-t in file", "*filter\n-t nat -A INPUT -j ACCEPT\nCOMMIT\n", `f:2: "-t": cannot be used in a restore file`, IPv4},
		{"bad rule", "*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n", `f:2: "99999": not a port number`, IPv4},
		{"wrong family", "*filter\n-A INPUT -s 10.0.0.1 -j ACCEPT\nCOMMIT\n", `f:2: "10.0.0.1": is not an IPv6 address`, IPv6},
		{"no command", "*filter\n-s 10.0.0.1\nCOMMIT\n", `f:2: -s 10.0.0.1: no command`, IPv4},
		{"quote", "*filter\n-A INPUT -m comment --comment \"x\nCOMMIT\n", `f:2: -A INPUT -m comment --comment "x: unterminated quote`, IPv4},
		{"nat drop", "*nat\n-A PREROUTING -j DROP\nCOMMIT\n", `f:2: "DROP": the "nat" table is not intended for filtering`, IPv4},
	}
	for _, c := range cases {
		err := ScanRestore(strings.NewReader(c.in), "f", c.fam, func(*RestoreLine) error { return nil })
		if err == nil {
			t.Errorf("%s: no error, want %q", c.name, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got  %v\n want %s...", c.name, err, c.want)
		}
		var le *LineError
		if !errors.As(err, &le) {
			t.Errorf("%s: %T is not a *LineError", c.name, err)
		}
	}
}

func TestTranslateRestoreUnsupported(t *testing.T) {
	in := "*filter\n:INPUT ACCEPT [0:0]\n-P INPUT DROP\nCOMMIT\n"
	out, err := TranslateRestore(strings.NewReader(in), "f", IPv4)
	if err == nil || out != "" {
		t.Fatalf("got %q, %v; want an error and no output", out, err)
	}
	if !errors.Is(err, ErrUnsupported) || !strings.HasPrefix(err.Error(), `f:3: "-P": translation not implemented`) {
		t.Errorf("error %v", err)
	}
}

func TestScanRestoreLines(t *testing.T) {
	in := "*filter\n:INPUT DROP [1:2]\n-N X\n[3:4] -I INPUT 2 -j X\nCOMMIT\n"
	var got []string
	err := ScanRestore(strings.NewReader(in), "f", IPv4, func(l *RestoreLine) error {
		s := l.Table + "|" + l.Chain + "|" + l.Policy
		if l.Cmd != nil {
			s += "|" + l.Cmd.Chain + "|" + itoa(int(l.Cmd.Op)) + "|" + itoa(l.Cmd.RuleNum)
		}
		got = append(got, itoa(l.Line)+":"+itoa(int(l.Kind))+":"+s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1:0:filter||", "2:1:filter|INPUT|DROP", "3:2:filter|||X|4|0",
		"4:2:filter|||INPUT|1|2", "5:3:filter||",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
