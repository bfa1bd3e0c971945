package rulegen

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDeterministic(t *testing.T) {
	a, b := New(7).Rules(200), New(7).Rules(200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different rules")
	}
	if reflect.DeepEqual(a, New(8).Rules(200)) {
		t.Fatal("seeds 7 and 8 gave the same rules")
	}
}

// TestEveryExtensionDrawn: each extension of the grammar shows up in a few
// thousand rules, in every family it exists in.
func TestEveryExtensionDrawn(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range New(1).Rules(20000) {
		for _, e := range r.Exts {
			seen[e+famSuffix(r.V6)] = true
		}
	}
	check := func(prefix string, es []ext) {
		for _, e := range es {
			if e.weight == 0 || e.name == "" {
				continue
			}
			for _, isV6 := range []bool{false, true} {
				if e.fam.has(isV6) && !seen[prefix+e.name+famSuffix(isV6)] {
					t.Errorf("%s%s never drawn for %s", prefix, e.name, famSuffix(isV6))
				}
			}
		}
	}
	check("m:", matches)
	check("j:", targets)
}

func famSuffix(v6 bool) string {
	if v6 {
		return " IPv6"
	}
	return " IPv4"
}

// TestPlacement: every rule stands in a chain of its table, its extensions'
// table and hook restrictions hold, and protocol-bound matches have -p.
func TestPlacement(t *testing.T) {
	byName := map[string][]*ext{}
	for i := range matches {
		byName["m:"+matches[i].name] = append(byName["m:"+matches[i].name], &matches[i])
	}
	for i := range targets {
		byName["j:"+targets[i].name] = append(byName["j:"+targets[i].name], &targets[i])
	}
	for _, r := range New(2).Rules(5000) {
		if r.Chain != UserChain && !slices.Contains(Chains[r.Table], r.Chain) {
			t.Fatalf("%s: chain not in table", r)
		}
		for _, name := range r.Exts {
			es := byName[name]
			if es == nil {
				continue // header options
			}
			var why []string
			for _, e := range es {
				if w := misplaced(e, r); w != "" {
					why = append(why, w)
				}
			}
			if len(why) == len(es) {
				t.Errorf("%s: %s: %s", r, name, strings.Join(why, "; "))
			}
		}
	}
}

// misplaced says why r breaks e's restrictions, or "".
func misplaced(e *ext, r Rule) string {
	switch {
	case !e.fam.has(r.V6):
		return "wrong family"
	case e.tables != nil && !slices.Contains(e.tables, r.Table):
		return "not allowed in table " + r.Table
	case e.hooks != nil && !slices.Contains(e.hooks, r.Chain):
		return "not allowed in chain " + r.Chain
	}
	if e.protos != nil {
		p := argAfter(r.Args, "-p")
		if !slices.Contains(e.protos, p) && !slices.ContainsFunc(e.protos, func(x string) bool { return protoNumbers[x] == p }) {
			return "needs -p " + strings.Join(e.protos, "|") + ", has " + p
		}
	}
	return ""
}

func argAfter(args []string, opt string) string {
	for i, a := range args {
		if a == opt && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func TestNewFile(t *testing.T) {
	rules := []Rule{
		{Table: "filter", Chain: "INPUT", Args: []string{"-j", "ACCEPT"}},
		{Table: "nat", Chain: "POSTROUTING", Args: []string{"-m", "comment", "--comment", `a "b"`, "-j", "MASQUERADE"}},
		{Table: "filter", Chain: "PT-USER", Args: []string{"-m", "comment", "--comment", ""}},
	}
	f := NewFile(rules)
	lines := strings.Split(f.Text, "\n")
	for i, r := range rules {
		if got := lines[f.Lines[i]-1]; got != r.Line() {
			t.Errorf("line %d = %q, want rule %d %q", f.Lines[i], got, i, r.Line())
		}
	}
	if got := rules[1].Line(); got != `-A POSTROUTING -m comment --comment "a \"b\"" -j MASQUERADE` {
		t.Errorf("Line() = %s", got)
	}
	if got := rules[2].Line(); got != `-A PT-USER -m comment --comment ""` {
		t.Errorf("Line() = %s", got)
	}
	if len(f.Commits) != 2 {
		t.Errorf("commits %v, want one per table", f.Commits)
	}
	for l, table := range f.Commits {
		if lines[l-1] != "COMMIT" {
			t.Errorf("commit of %s at line %d is %q", table, l, lines[l-1])
		}
	}
}
