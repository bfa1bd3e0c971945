package controller

import (
	"fmt"
	"strings"
	"testing"
)

// TestKeyLabel: the label read back from a key is String(), whatever the
// lengths (varints of one and two bytes, many arguments).
func TestKeyLabel(t *testing.T) {
	long := strings.Repeat("x", 200)
	var many []string
	for i := 0; i < 70; i++ {
		many = append(many, "-m", "comment", "--comment", fmt.Sprint(i))
	}
	for _, r := range []Rule{
		NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT"),
		NewIPv6Rule("nat", "POSTROUTING", "-m", "comment", "--comment", long, "-j", "MASQUERADE"),
		NewIPv4Rule("filter", "C", many...),
	} {
		rs := r.(*ruleSpec)
		if got := keyLabel(rs.cacheKey()); got != r.String() {
			t.Errorf("keyLabel = %q, want %q", got, r.String())
		}
	}
}

// TestDesiredReuse: a Set keeps the parsed rules of the previous one for
// the rules whose text did not change, in place, after a replaced rule and
// after an insertion at the front (the list shifted by one).
func TestDesiredReuse(t *testing.T) {
	list := func(n, changed int, front bool) []Rule {
		rules := []Rule{NewIPv4Chain("filter", "BIG"), NewIPv4Rule("filter", "FORWARD", "-j", "BIG")}
		if front {
			rules = append(rules, NewIPv4Rule("filter", "BIG", "-s", "192.0.2.99", "-j", "DROP"))
		}
		for i := 0; i < n; i++ {
			arg := fmt.Sprintf("10.0.%d.%d", i>>8, i&255)
			if i == changed {
				arg = "192.0.2.1"
			}
			rules = append(rules, NewIPv4Rule("filter", "BIG", "-s", arg, "-j", "ACCEPT"))
		}
		return rules
	}
	first, cache, err := desired(nil, list(100, -1, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		changed int
		front   bool
		fresh   int
	}{
		{"one replaced", 50, false, 1},
		{"one inserted at the front", -1, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, _, err := desired(nil, list(100, tc.changed, tc.front), cache)
			if err != nil {
				t.Fatal(err)
			}
			old, now := first.Chain(0, "filter", "BIG").Rules, rs.Chain(0, "filter", "BIG").Rules
			fresh := 0
			for i, r := range now {
				j := i
				if tc.front {
					j = i - 1
				}
				if j < 0 || r.Spec != old[j].Spec {
					fresh++
					if j >= 0 && j != tc.changed {
						t.Errorf("rule %d (%s) was parsed again", i, r.Label)
					}
				}
				if want := fmt.Sprintf("filter -A BIG %s", strings.TrimPrefix(r.Label, "filter -A BIG ")); r.Label != want || !strings.HasPrefix(r.Label, "filter -A BIG -s ") {
					t.Errorf("label %q", r.Label)
				}
			}
			if fresh != tc.fresh {
				t.Errorf("%d rules not from the previous Set, want %d", fresh, tc.fresh)
			}
		})
	}
}

// TestDesiredRevalidatesJumps: a rule taken from the previous Set is
// validated again when the chains changed (its jump target is gone).
func TestDesiredRevalidatesJumps(t *testing.T) {
	_, cache, err := desired(nil, []Rule{NewIPv4Chain("filter", "X"), NewIPv4Rule("filter", "FORWARD", "-j", "X")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := desired(nil, []Rule{NewIPv4Rule("filter", "FORWARD", "-j", "X")}, cache); err == nil {
		t.Fatal("a jump to a chain no longer declared was accepted")
	}
}
