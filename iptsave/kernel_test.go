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
// print it.
func parsedAsSaved(t *testing.T, data []byte, name string, fam rule.Family) string {
	t.Helper()
	rs, err := Parse(bytes.NewReader(data), name, fam)
	if err != nil {
		t.Fatal(err)
	}
	withAllBuiltins(rs)
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
