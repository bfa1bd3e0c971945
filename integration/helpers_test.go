package integration

import (
	"reflect"
	"testing"
)

// The helpers below decide what the kernel tests conclude; these tests need
// no root.

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"-A FORWARD -s 10.0.0.0/8 -j DROP", []string{"-A", "FORWARD", "-s", "10.0.0.0/8", "-j", "DROP"}},
		{`-A POSTROUTING -m comment --comment "Kilo: jump to KILO-NAT" -j KILO-NAT`, []string{"-A", "POSTROUTING", "-m", "comment", "--comment", "Kilo: jump to KILO-NAT", "-j", "KILO-NAT"}},
		{`-m comment --comment "say \"hi\"" `, []string{"-m", "comment", "--comment", `say "hi"`}},
		{`--comment ""`, []string{"--comment", ""}},
		{"", nil},
	} {
		if got := splitArgs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExtraLines(t *testing.T) {
	for _, tc := range []struct {
		name, before, after string
		extra               []string
		ok                  bool
	}{
		{"same", "a\nb", "a\nb", nil, true},
		{"added around", "a\nb", "x\na\ny\nb\nz", []string{"x", "y", "z"}, true},
		{"lost", "a\nb", "a\nx", []string{"x"}, false},
		{"moved", "a\nb", "b\na", []string{"b"}, false},
	} {
		extra, ok := extraLines(tc.before, tc.after)
		if ok != tc.ok || !reflect.DeepEqual(extra, tc.extra) {
			t.Errorf("%s: extraLines = %q, %v; want %q, %v", tc.name, extra, ok, tc.extra, tc.ok)
		}
	}
}

func TestSortedRuleset(t *testing.T) {
	a := "table ip b {\n\tchain Y {\n\t\tdrop\n\t}\n\n\tchain X {\n\t\taccept\n\t}\n}\ntable ip a {\n\tchain Z {\n\t}\n}\n"
	b := "table ip a {\n\tchain Z {\n\t}\n}\ntable ip b {\n\tchain X {\n\t\taccept\n\t}\n\n\tchain Y {\n\t\tdrop\n\t}\n}\n"
	if sortedRuleset(a) != sortedRuleset(b) {
		t.Errorf("the same tables and chains in another order sort differently:\n%s\n---\n%s", sortedRuleset(a), sortedRuleset(b))
	}
	// Rule order inside a chain is meaning, not presentation.
	c := "table ip b {\n\tchain Y {\n\t\taccept\n\t\tdrop\n\t}\n}\n"
	d := "table ip b {\n\tchain Y {\n\t\tdrop\n\t\taccept\n\t}\n}\n"
	if sortedRuleset(c) == sortedRuleset(d) {
		t.Errorf("reordered rules sort equal:\n%s", sortedRuleset(c))
	}
	if got := sortedRuleset("# Warning: x\ntable ip a {\n}\n"); got != "# Warning: x\ntable ip a {\n\n}\n" {
		t.Errorf("sortedRuleset with a comment line and an empty table = %q", got)
	}
}

func TestOwnedKeysAndEmptyTables(t *testing.T) {
	keys := []string{"ip filter :FORWARD ACCEPT", "ip nat :KILO-NAT ", "ip filter -A FORWARD #000 -j ACCEPT", "ip filter :INPUT DROP"}
	want := []string{"ip nat :KILO-NAT ", "ip filter -A FORWARD #000 -j ACCEPT", "ip filter :INPUT DROP"}
	if got := ownedKeys(keys); !reflect.DeepEqual(got, want) {
		t.Errorf("ownedKeys = %q, want %q", got, want)
	}
	if !allEmptyTables([]string{"*nat", ":PREROUTING ACCEPT [0:0]", "COMMIT", ""}) {
		t.Error("an empty nat table is not empty")
	}
	for _, l := range []string{":KILO-NAT - [0:0]", "-A FORWARD -j DROP", ":FORWARD DROP [0:0]"} {
		if allEmptyTables([]string{"*filter", l, "COMMIT"}) {
			t.Errorf("a table with %q counts as empty", l)
		}
	}
}
