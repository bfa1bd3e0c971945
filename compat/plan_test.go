package compat

import (
	"reflect"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// TestPlanTable checks the restore lines and changes of one table without
// a kernel: chain creation first, then policies, rules, and removed chains
// flushed before they are deleted.
func TestPlanTable(t *testing.T) {
	cur, err := parseSave(rule.IPv4, "filter", []byte(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:OLD - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 10.0.0.1/32 -j ACCEPT
-A INPUT -j OLD
-A OLD -j RETURN
COMMIT
`))
	if err != nil {
		t.Fatal(err)
	}
	mem := newMemory()
	mem.user[chainID{rule.IPv4, "filter", "OLD"}] = true
	mem.rules[chainID{rule.IPv4, "filter", "INPUT"}] = []string{
		spec(t, rule.IPv4, "-s 10.0.0.1 -j ACCEPT").Key(), spec(t, rule.IPv4, "-j OLD").Key(),
	}
	fwd := chain(t, rule.IPv4, "filter", "FORWARD")
	fwd.Policy = "DROP"
	desired := []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -m comment --comment "s s h" -j ACCEPT`, `-s 10.0.0.1/32 -j ACCEPT`, `-j NEW`),
		chain(t, rule.IPv4, "filter", "NEW", `-j RETURN`),
		fwd,
	}
	p, err := planTable(tableID{rule.IPv4, "filter"}, cur, desired, mem, keyCache{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range p.lines {
		lines = append(lines, l.text)
	}
	want := []string{
		"-N NEW",
		"-P FORWARD DROP",
		"-D INPUT 3",
		`-I INPUT 2 -p tcp -m tcp --dport 22 -m comment --comment "s s h" -j ACCEPT`,
		"-A INPUT -j NEW",
		"-A NEW -j RETURN",
		"-F OLD",
		"-X OLD",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("restore lines:\n%q\nwant\n%q", lines, want)
	}
	var changes []string
	for _, c := range p.changes {
		changes = append(changes, c.String())
	}
	wantChanges := []string{
		"+ -N NEW",
		"~ -P FORWARD DROP",
		"- -A INPUT -j OLD",
		"+ -A INPUT " + desired[0].Rules[0].Spec.String(),
		"+ -A INPUT -j NEW",
		"+ -A NEW -j RETURN",
		"- -A OLD -j RETURN",
		"- -X OLD",
	}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes:\n%q\nwant\n%q", changes, wantChanges)
	}
	if pos := p.changes[3].Position; pos != 1 {
		t.Errorf("the ssh rule lands at index %d, want 1 (after the foreign lo rule)", pos)
	}
	if p.lines[3].name() != desired[0].Label(0) {
		t.Errorf("label %q", p.lines[3].name())
	}
	if got := p.lines[2].name(); got != "filter -A INPUT -j OLD" {
		t.Errorf("deleted rule's label %q", got)
	}
}
