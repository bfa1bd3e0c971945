package iptsave

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// withAllBuiltins adds the built-in chains iptables-nft creates with every
// table it touches, so that Write prints what iptables-save would.
func withAllBuiltins(rs *firewall.Ruleset) {
	for _, c := range append([]*firewall.Chain(nil), rs.Chains...) {
		for _, name := range firewall.BuiltinChains[c.Table] {
			if rs.Chain(c.Family, c.Table, name) == nil {
				rs.Chains = append(rs.Chains, &firewall.Chain{Family: c.Family, Table: c.Table, Name: name})
			}
		}
	}
}

// TestWriteMatchesIptablesSave loads each test file with iptables-restore
// into a fresh network namespace and checks that iptables-save prints what
// Write prints for the parsed file, comment lines aside.
func TestWriteMatchesIptablesSave(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-restore")
	ns := netnstest.New(t)
	for _, f := range []struct {
		file string
		fam  rule.Family
		tool string
	}{{"kilo.rules", rule.IPv4, "iptables"}, {"ip6.rules", rule.IPv6, "ip6tables"}} {
		path, err := filepath.Abs(filepath.Join("testdata", f.file))
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		written := parsedAsSaved(t, data, f.file, f.fam)
		ns.Exec(f.tool+"-restore", path)
		saved := ns.Exec(f.tool + "-save")
		if got, want := noComments(written), noComments(saved); got != want {
			t.Errorf("%s:\nWrite:\n%s\n%s-save:\n%s", f.file, got, f.tool, want)
		}
	}
}

// parsedAsSaved parses a file and writes it back as iptables-save would
// print it: iptables-save knows nothing of prepended rules (Head), every
// rule is "-A".
func parsedAsSaved(t *testing.T, data []byte, name string, fam rule.Family) string {
	t.Helper()
	rs, err := Parse(bytes.NewReader(data), name, fam)
	if err != nil {
		t.Fatal(err)
	}
	withAllBuiltins(rs)
	for _, c := range rs.Chains {
		c.Head = 0
	}
	var buf bytes.Buffer
	if err := Write(&buf, rs, fam); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func noComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestRepeatedTableMatchesIptablesRestore restores a file with two sections
// of one table with iptables-legacy-restore and checks that iptables-save
// prints what Write prints for the parsed file.
func TestRepeatedTableMatchesIptablesRestore(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	ns := netnstest.New(t)
	path := filepath.Join(t.TempDir(), "repeated.rules")
	if err := os.WriteFile(path, []byte(repeatedTable), 0o644); err != nil {
		t.Fatal(err)
	}
	written := parsedAsSaved(t, []byte(repeatedTable), "repeated.rules", rule.IPv4)
	ns.Exec("iptables-legacy-restore", path)
	if got, want := bySection(written), bySection(ns.Exec("iptables-legacy-save")); got != want {
		t.Errorf("Write:\n%s\niptables-legacy-save:\n%s", got, want)
	}
}

// bySection is noComments with the table sections sorted: iptables-save
// prints tables in the kernel's order.
func bySection(s string) string {
	var secs []string
	for _, sec := range strings.Split(noComments(s), "\n*") {
		secs = append(secs, strings.TrimPrefix(sec, "*"))
	}
	slices.Sort(secs)
	return strings.Join(secs, "\n*")
}

// TestWriteHeadRestores: what Write prints for a chain with prepended
// rules is a file iptables-restore accepts, with both flavours. Restored
// whole, it gives the chain in Write's order; restored with --noflush next
// to another program's rules, the "-I CHAIN N" rules go ahead of them and
// the "-A" ones after them, as the same rules inserted and appended one by
// one with iptables do.
func TestWriteHeadRestores(t *testing.T) {
	const file = `*filter
:FORWARD ACCEPT [0:0]
:KILO - [0:0]
-A FORWARD -i kilo0 -j DROP
-I FORWARD -d 10.4.0.0/16 -j ACCEPT
-I FORWARD 1 -s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j KILO
-A KILO -j ACCEPT
COMMIT
`
	rs, err := Parse(strings.NewReader(file), "head.rules", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rs, rule.IPv4); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	if !strings.Contains(written, "\n-I FORWARD 1 -s 10.4.0.0/16 ") || !strings.Contains(written, "\n-I FORWARD 2 -d 10.4.0.0/16 ") {
		t.Fatalf("Write printed no -I FORWARD 1 and 2:\n%s", written)
	}
	path := filepath.Join(t.TempDir(), "written.rules")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	forward := func(save string) []string {
		var out []string
		for _, l := range strings.Split(save, "\n") {
			if strings.HasPrefix(l, "-A FORWARD ") {
				out = append(out, l)
			}
		}
		return out
	}
	for _, flavour := range []string{"nft", "legacy"} {
		t.Run(flavour, func(t *testing.T) {
			ipt := "iptables-" + flavour
			netnstest.RequireBinary(t, ipt+"-restore")
			whole := netnstest.New(t)
			whole.Exec(ipt+"-restore", "--test", path)
			whole.Exec(ipt+"-restore", path)
			if got, want := noComments(whole.Exec(ipt+"-save", "-t", "filter")), noComments(parsedAsSaved(t, buf.Bytes(), "written", rule.IPv4)); got != want {
				t.Errorf("restored whole, %s-save:\n%s\nwant:\n%s", ipt, got, want)
			}
			shared, oracle := netnstest.New(t), netnstest.New(t)
			for _, n := range []*netnstest.NS{shared, oracle} {
				n.Exec(ipt, "-A", "FORWARD", "-s", "1.1.1.1/32", "-j", "DROP")
			}
			shared.Exec(ipt+"-restore", "--noflush", path)
			oracle.Exec(ipt, "-N", "KILO")
			oracle.Exec(ipt, "-A", "KILO", "-j", "ACCEPT")
			oracle.Exec(ipt, "-A", "FORWARD", "-i", "kilo0", "-j", "DROP")
			oracle.Exec(ipt, "-I", "FORWARD", "1", "-d", "10.4.0.0/16", "-j", "ACCEPT")
			oracle.Exec(ipt, "-I", "FORWARD", "1", "-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: pods", "-j", "KILO")
			got, want := forward(shared.Exec(ipt+"-save", "-t", "filter")), forward(oracle.Exec(ipt+"-save", "-t", "filter"))
			if !slices.Equal(got, want) || len(want) != 4 || !strings.Contains(want[2], "1.1.1.1") {
				t.Errorf("restored with --noflush next to a foreign rule, FORWARD is\n%s\nwant, as iptables -I/-A leave it,\n%s",
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestCountersMatchIptablesRestore: a line's [PKTS:BYTES] prefix gives the
// rule's counters as iptables-legacy-restore --counters takes them, and a
// line's -c wins over its prefix as in iptables-legacy-restore's default
// mode (with --counters it refuses the two together, "multiple -c flags";
// without, it ignores every prefix): the parsed file reads as
// iptables-save -c reads the restored one.
func TestCountersMatchIptablesRestore(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy-restore")
	for _, c := range []struct {
		name, rules string
		args        []string
	}{
		{"prefixes with --counters", "[5:6] -A INPUT -s 1.2.3.4/32 -j ACCEPT\n-A INPUT -s 1.2.3.6/32 -c 9 10 -j ACCEPT\n", []string{"--counters"}},
		{"a prefix and -c", "[5:6] -A INPUT -s 1.2.3.5/32 -c 7 8 -j ACCEPT\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := "*filter\n:INPUT ACCEPT [0:0]\n" + c.rules + "COMMIT\n"
			rs, err := Parse(strings.NewReader(file), "counters.rules", rule.IPv4)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs.Chain(rule.IPv4, "filter", "INPUT").Rules {
				got = append(got, r.Spec.Counters.String()+" -A INPUT "+r.Spec.String())
			}
			ns := netnstest.New(t)
			path := filepath.Join(t.TempDir(), "counters.rules")
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			ns.Exec("iptables-legacy-restore", append(c.args, path)...)
			var want []string
			for _, l := range strings.Split(ns.Exec("iptables-legacy-save", "-c", "-t", "filter"), "\n") {
				if strings.Contains(l, "-A INPUT") {
					want = append(want, l)
				}
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("parsed:\n%s\niptables-legacy-save -c:\n%s", g, w)
			}
		})
	}
}
