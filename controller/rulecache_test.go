package controller

import (
	"fmt"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"strings"
	"testing"
)

// TestKeyLabel: the label of a desired rule is its String(), a substring
// of its key, whatever the lengths before it (varints of one and two
// bytes, many arguments), also when the key is the previous Set's.
func TestKeyLabel(t *testing.T) {
	long := strings.Repeat("x", 200)
	var many []string
	for i := 0; i < 70; i++ {
		many = append(many, "-m", "comment", "--comment", fmt.Sprint(i))
	}
	list := func() []Rule {
		return []Rule{
			NewIPv4Chain("filter", "C"),
			NewIPv4Rule("filter", "INPUT", "-j", "ACCEPT"),
			NewIPv6Rule("nat", "POSTROUTING", "-m", "comment", "--comment", long, "-j", "MASQUERADE"),
			NewIPv4Rule("filter", "C", many...),
		}
	}
	var prev *ruleCache
	for set := 0; set < 2; set++ {
		rules := list()
		rs, next, err := desired(nil, rules, prev, nil)
		if err != nil {
			t.Fatal(err)
		}
		prev = next
		for _, r := range rules[1:] {
			v := r.(*ruleSpec)
			c := rs.Chain(v.proto.family(), v.table, v.chain)
			if c == nil || len(c.Rules) != 1 || c.Rules[0].Label != r.String() {
				t.Errorf("Set %d: the label of %q is not its String() in %+v", set, r, c)
			}
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
	first, cache, err := desired(nil, list(100, -1, false), nil, nil)
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
			rs, _, err := desired(nil, list(100, tc.changed, tc.front), cache, nil)
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
	_, cache, err := desired(nil, []Rule{NewIPv4Chain("filter", "X"), NewIPv4Rule("filter", "FORWARD", "-j", "X")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := desired(nil, []Rule{NewIPv4Rule("filter", "FORWARD", "-j", "X")}, cache, nil); err == nil {
		t.Fatal("a jump to a chain no longer declared was accepted")
	}
}

// TestDesiredCachedAsFresh: a Set built on the previous one's cache gives
// what the same list gives without it, when a changed rule has the meaning
// of a rule taken from the previous Set (it is left out, or the later one
// is), when the previous Set had such rules, and with prepend rules.
func TestDesiredCachedAsFresh(t *testing.T) {
	base := func(extra ...Rule) []Rule {
		rules := []Rule{NewIPv4Chain("nat", "K")}
		for i := 0; i < 20; i++ {
			rules = append(rules, NewIPv4Rule("nat", "K", "-d", fmt.Sprintf("10.5.%d.0/24", i), "-j", "RETURN"))
		}
		return append(rules, extra...)
	}
	dupLate := NewIPv4Rule("nat", "K", "-d", "10.5.3.1/24", "-j", "RETURN")
	dupEarly := append([]Rule{NewIPv4Chain("nat", "K"), NewIPv4Rule("nat", "K", "-d", "10.5.7.9/24", "-j", "RETURN")}, base()[1:]...)
	top := NewIPv4Rule("nat", "K", "-d", "10.6.0.0/24", "-j", "RETURN")
	pre := []Rule{NewIPv4Rule("nat", "K", "-d", "10.5.4.2/24", "-j", "RETURN"), NewIPv4Rule("nat", "K", "-s", "10.9.0.1,10.9.0.2", "-j", "RETURN")}
	steps := []struct {
		prepend, rules []Rule
	}{
		{nil, base()},
		{nil, base(dupLate)},
		{nil, dupEarly},
		{nil, base()},
		{pre, base()},
		{[]Rule{pre[1], top}, base()},
		{pre[:1], base(NewIPv4Rule("nat", "K", "-j", "MASQUERADE"))},
	}
	show := func(rs *firewall.Ruleset) string {
		var b strings.Builder
		for _, c := range rs.Chains {
			fmt.Fprintf(&b, "%s head %d:", c.Name, c.Head)
			for _, r := range c.Rules {
				b.WriteString(" " + r.Spec.String() + ";")
			}
		}
		return b.String()
	}
	// The steps twice over, each Set filling the spare slices of the one
	// before the last, as the controller does; the desired states of the
	// last two Sets stay as they were (the controller's and the
	// engine's), older ones are spares.
	steps = append(steps, steps...)
	var cache, spare *ruleCache
	var gots []*firewall.Ruleset
	var shown []string
	for i, s := range steps {
		got, next, err := desired(s.prepend, s.rules, cache, spare)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := desired(s.prepend, s.rules, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if show(got) != show(want) {
			t.Errorf("step %d: with the cache\n%s\nwithout\n%s", i, show(got), show(want))
		}
		cache, spare = next, cache
		gots, shown = append(gots, got), append(shown, show(got))
		for j := max(i-1, 0); j <= i; j++ {
			if g := gots[j]; show(g) != shown[j] {
				t.Errorf("step %d changed the desired state of step %d", i, j)
			}
		}
		if k := got.Chain(rule.IPv4, "nat", "K"); i%7 == 5 && (k.Head != 3 || k.Rules[0].Label != top.String() || k.Rules[1].Label != pre[1].String()) {
			t.Errorf("step %d: head %d, first %q: want 3, %q then %q", i, k.Head, k.Rules[0].Label, top, pre[1])
		}
	}
}

// TestDesiredRevalidatesHooks: a rule taken from the previous Set is
// validated again when a new jump reaches its chain from another hook.
func TestDesiredRevalidatesHooks(t *testing.T) {
	rules := []Rule{
		NewIPv4Chain("filter", "A"),
		NewIPv4Rule("filter", "A", "-m", "owner", "!", "--uid-owner", "5", "-j", "ACCEPT"),
		NewIPv4Rule("filter", "OUTPUT", "-j", "A"),
		NewIPv4Rule("filter", "INPUT", "-i", "lo", "-j", "ACCEPT"), // the same chains before and after
	}
	_, cache, err := desired(nil, rules, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := desired(nil, append(rules, NewIPv4Rule("filter", "INPUT", "-j", "A")), cache, nil); err == nil {
		t.Fatal("an owner match reached from INPUT was accepted")
	}
}

// TestDedupSameSums: duplicates are found by the sums of meanings and
// confirmed by the meanings, so that rules whose sums are equal but
// meanings differ are all kept, on a first Set and on one that changes a
// rule, and true duplicates are still left out.
func TestDedupSameSums(t *testing.T) {
	list := func(changed string) []Rule {
		return []Rule{
			NewIPv4Chain("nat", "KILO-NAT"),
			NewIPv4Rule("nat", "KILO-NAT", "-d", "10.5.0.1/24", "-j", "RETURN"),
			NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
			NewIPv4Rule("nat", "KILO-NAT", "-d", changed, "-j", "RETURN"),
			NewIPv4Rule("nat", "KILO-NAT", "-d", "10.6.0.0/24", "-j", "RETURN"),
		}
	}
	run := func() []string {
		var out []string
		var prev *ruleCache
		for _, changed := range []string{"10.5.0.2/24", "10.7.0.0/24", "10.6.0.0/24"} {
			rs, next, err := desired(nil, list(changed), prev, nil)
			if err != nil {
				t.Fatal(err)
			}
			prev = next
			var got []string
			for _, r := range rs.Chains[0].Rules {
				got = append(got, r.Spec.String())
			}
			out = append(out, strings.Join(got, "; "))
		}
		return out
	}
	want := []string{
		"-d 10.5.0.0/24 -j RETURN; -j MASQUERADE; -d 10.6.0.0/24 -j RETURN",
		"-d 10.5.0.0/24 -j RETURN; -j MASQUERADE; -d 10.7.0.0/24 -j RETURN; -d 10.6.0.0/24 -j RETURN",
		"-d 10.5.0.0/24 -j RETURN; -j MASQUERADE; -d 10.6.0.0/24 -j RETURN",
	}
	for _, same := range []bool{false, true} {
		if same {
			saved := meaning
			meaning = func(*rule.Rule) uint64 { return 0 }
			t.Cleanup(func() { meaning = saved })
		}
		if got := run(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("all sums the same %v:\n%s\nwant\n%s", same, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestDesiredSameHooks: a Set that adds or removes no jump and no rule
// that ends its chain keeps the previous hooks (not walked again) and
// still checks its fresh rules against them; one that adds or removes
// such a rule, or moves rules, computes them again.
func TestDesiredSameHooks(t *testing.T) {
	base := func(extra ...Rule) []Rule {
		return append([]Rule{
			NewIPv4Chain("filter", "A"),
			NewIPv4Chain("filter", "B"),
			NewIPv4Rule("filter", "OUTPUT", "-j", "A"),
			NewIPv4Rule("filter", "INPUT", "-j", "B"),
			NewIPv4Rule("filter", "A", "-j", "RETURN"),
			NewIPv4Rule("filter", "A", "-s", "10.0.0.1", "-j", "ACCEPT"),
			NewIPv4Rule("filter", "B", "-s", "10.0.0.2", "-j", "ACCEPT"),
			NewIPv4Chain("filter", "C"),
			NewIPv4Rule("filter", "INPUT", "-j", "C"),
			NewIPv4Rule("filter", "C", "-j", "ACCEPT"),
		}, extra...)
	}
	_, prev, err := desired(nil, base(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	owner := func(chain string) Rule {
		return NewIPv4Rule("filter", chain, "-m", "owner", "--uid-owner", "5", "-j", "ACCEPT")
	}
	// A fresh owner match in A, reached from OUTPUT: accepted, hooks kept.
	_, next, err := desired(nil, base(owner("A")), prev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next.valid != prev.valid {
		t.Error("hooks computed again for a Set that changes no jump")
	}
	// In B, reached from INPUT: refused, with the kept hooks.
	if _, _, err := desired(nil, base(owner("B")), prev, nil); err == nil {
		t.Error("an owner match reached from INPUT was accepted")
	}
	// In C, reached from INPUT, a policy match for the way out is
	// refused, but past the rule that ends C iptables does not check
	// it: the kept hooks give what validating the whole list gives.
	policyOut := NewIPv4Rule("filter", "C", "-m", "policy", "--dir", "out", "--pol", "none", "-j", "ACCEPT")
	if _, _, err := desired(nil, append(base(), policyOut), nil, nil); err != nil {
		t.Fatalf("a policy match past the end of C: %v", err)
	}
	if _, next, err := desired(nil, append(base(), policyOut), prev, nil); err != nil || next.valid != prev.valid {
		t.Errorf("a policy match past the end of C, hooks kept: %v", err)
	}
	// Without the RETURN of A: computed again.
	without := base()
	without = append(without[:4], without[5:]...)
	if _, next, err := desired(nil, without, prev, nil); err != nil || next.valid == prev.valid {
		t.Errorf("hooks kept when a rule that ends its chain went (err %v)", err)
	}
	// With a new jump: computed again, and the owner match in B refused.
	if _, _, err := desired(nil, base(NewIPv4Rule("filter", "INPUT", "-j", "A"), owner("A")), prev, nil); err == nil {
		t.Error("an owner match reached from INPUT through a new jump was accepted")
	}
	// Two rules swapped: computed again.
	swapped := base()
	swapped[4], swapped[5] = swapped[5], swapped[4]
	if _, next, err := desired(nil, swapped, prev, nil); err != nil || next.valid == prev.valid {
		t.Errorf("hooks kept when rules moved (err %v)", err)
	}
}

// TestSetDropsLabels: a Set's desired state keeps no rule texts once the
// Set is done (they name rules in the Set's errors only).
func TestSetDropsLabels(t *testing.T) {
	rules := []Rule{NewIPv4Chain("filter", "K"), NewIPv4Rule("filter", "K", "-s", "10.0.0.1", "-j", "ACCEPT")}
	rs, cache, err := desired(nil, rules, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.Chains[0].Rules[0].Label; got != rules[1].String() {
		t.Fatalf("label while the Set runs: %q, want %q", got, rules[1].String())
	}
	dropLabels(rs)
	if got := rs.Chains[0].Rules[0].Label; got != "" {
		t.Fatalf("label after the Set: %q", got)
	}
	if got, want := rs.Chains[0].Label(0), "filter -A K -s 10.0.0.1/32 -j ACCEPT"; got != want {
		t.Fatalf("Chain.Label after the Set: %q, want %q", got, want)
	}
	// The next Set still finds the rule by its key's sum.
	m := cache.matcher()
	if j, ok := m.find(0, rules[1].(*ruleSpec).sum); !ok || j != 0 {
		t.Fatalf("find: %d %v", j, ok)
	}
}
