package compat

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// twoTables is restore input with a filter section (lines 1-4) and a nat
// section (lines 5-7).
func twoTables() *restoreInput {
	in := &restoreInput{}
	in.table("filter", []restoreLine{
		{text: "-N NEW", label: "filter -N NEW"},
		{text: "-A NEW -j RETURN", label: "new rule"},
	})
	in.table("nat", []restoreLine{{text: "-A PREROUTING -j MASQUERADE", label: "bad rule"}})
	return in
}

func restoreFailure(stderr string) error {
	return &execError{cmd: "iptables-restore", err: &exec.ExitError{}, stderr: stderr}
}

func TestCommitted(t *testing.T) {
	in := twoTables()
	tests := []struct {
		line int
		want []string
	}{
		{0, []string{"filter", "nat"}}, // unknown: all may be
		{2, nil},
		{4, nil}, // filter's COMMIT failed
		{5, []string{"filter"}},
		{6, []string{"filter"}},
		{7, []string{"filter"}},
		{99, []string{"filter", "nat"}},
	}
	for _, tc := range tests {
		if got := in.committed(tc.line); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("committed(%d) = %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := in.tables(); !reflect.DeepEqual(got, []string{"filter", "nat"}) {
		t.Errorf("tables() = %q", got)
	}
}

func TestSection(t *testing.T) {
	in := twoTables()
	for _, tc := range []struct{ line, from, to int }{{1, 0, 4}, {3, 0, 4}, {4, 0, 4}, {5, 4, 7}, {6, 4, 7}, {7, 4, 7}} {
		if from, to := in.section(tc.line); from != tc.from || to != tc.to {
			t.Errorf("section(%d) = [%d, %d), want [%d, %d)", tc.line, from, to, tc.from, tc.to)
		}
	}
}

// TestSplitBlame: one command per commit, and a COMMIT blamed (as
// iptables-legacy-restore does) is blamed on its one command.
func TestSplitBlame(t *testing.T) {
	sp := twoTables().split()
	want := "*filter\n-N NEW\nCOMMIT\n*filter\n-A NEW -j RETURN\nCOMMIT\n*nat\n-A PREROUTING -j MASQUERADE\nCOMMIT\n"
	if got := string(sp.bytes()); got != want {
		t.Fatalf("split:\n%s\nwant\n%s", got, want)
	}
	for line, rule := range map[int]string{3: "filter -N NEW", 6: "new rule", 9: "bad rule", 8: "bad rule"} {
		var re *firewall.RuleError
		if err := sp.blameLine(restoreFailure("x"), line); !errors.As(err, &re) || re.Rule != rule {
			t.Errorf("line %d: %v, want a RuleError naming %q", line, err, rule)
		}
	}
	// A COMMIT of several commands names none of them.
	var re *firewall.RuleError
	if err := twoTables().blameLine(restoreFailure("x"), 4); errors.As(err, &re) {
		t.Errorf("COMMIT of two commands blamed %q", re.Rule)
	}
}

func TestFamiliesRiskFirst(t *testing.T) {
	mk := func(adds int) *restoreInput {
		in := &restoreInput{}
		lines := []restoreLine{{text: "-N X"}, {text: "-D INPUT 1"}}
		for range adds {
			lines = append(lines, restoreLine{text: "-A X -j RETURN"})
		}
		in.table("filter", lines)
		return in
	}
	tests := []struct {
		v4, v6 *restoreInput
		want   []rule.Family
	}{
		{mk(1), mk(2), []rule.Family{rule.IPv6, rule.IPv4}},
		{mk(2), mk(2), []rule.Family{rule.IPv4, rule.IPv6}},
		{mk(3), mk(0), []rule.Family{rule.IPv4, rule.IPv6}},
		{&restoreInput{}, mk(1), []rule.Family{rule.IPv6}},
		{nil, nil, nil},
	}
	for i, tc := range tests {
		fp := &fullPlan{inputs: map[rule.Family]*restoreInput{rule.IPv4: tc.v4, rule.IPv6: tc.v6}}
		if got := fp.families(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("case %d: families %v, want %v", i, got, tc.want)
		}
	}
}

// TestJudge: only a refusal of a planned line is a refusal; anything else
// leaves the change to the roll-back guard.
func TestJudge(t *testing.T) {
	b := &Backend{cfg: config{log: slog.New(slog.DiscardHandler)}}
	in := twoTables()
	ipset := &restoreInput{}
	ipset.table("filter", []restoreLine{{text: "-A INPUT -m set --match-set bad src -j DROP", label: "set rule"}})
	tests := []struct {
		name   string
		in     *restoreInput
		stderr string
		rule   string // the RuleError's rule; "" = an *unchecked
	}{
		{"planned rule", in, "line 16: RULE_APPEND failed (Invalid argument)", "bad rule"},
		{"planned chain", in, "line 12 failed: Chain already exists.", "filter -N NEW"},
		{"the saved tables", in, "line 7 failed", ""},
		{"no line", in, "iptables-restore: unable to initialize table 'nat'", ""},
		{"ipset", ipset, "line 12: RULE_APPEND failed (No such file or directory)", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := checkJob{fam: rule.IPv4, in: tc.in, prefix: 10}
			err := b.judge(context.Background(), &fullPlan{}, j, restoreFailure(tc.stderr))
			var u *unchecked
			var re *firewall.RuleError
			switch {
			case tc.rule == "" && !errors.As(err, &u):
				t.Errorf("%v is not an *unchecked", err)
			case tc.rule != "" && (!errors.As(err, &re) || re.Rule != tc.rule || errors.As(err, &u)):
				t.Errorf("%v does not name %q", err, tc.rule)
			case !strings.Contains(err.Error(), tc.stderr):
				t.Errorf("%v lost iptables' message", err)
			}
		})
	}
}

func TestParts(t *testing.T) {
	in := twoTables()
	parts := in.parts()
	if len(parts) != 2 || !reflect.DeepEqual(parts[0].tables(), []string{"filter"}) || !reflect.DeepEqual(parts[1].tables(), []string{"nat"}) {
		t.Fatalf("parts: %+v", parts)
	}
	if got := join([]*restoreInput{parts[1], parts[0]}).bytes(); string(got) != "*nat\n-A PREROUTING -j MASQUERADE\nCOMMIT\n*filter\n-N NEW\n-A NEW -j RETURN\nCOMMIT\n" {
		t.Errorf("join:\n%s", got)
	}
	if string(in.bytes()) != "*filter\n-N NEW\n-A NEW -j RETURN\nCOMMIT\n*nat\n-A PREROUTING -j MASQUERADE\nCOMMIT\n" {
		t.Errorf("parts and join changed the input:\n%s", in.bytes())
	}
}

// TestSchedule: the biggest table's section is made first and unchecked;
// everything else is checked, the riskier family first.
func TestSchedule(t *testing.T) {
	sizes := func(ipFilter, ipNat, ip6Filter int) map[tableID]*savedTable {
		return map[tableID]*savedTable{
			{rule.IPv4, "filter"}: {section: make([]byte, ipFilter)},
			{rule.IPv4, "nat"}:    {section: make([]byte, ipNat)},
			{rule.IPv6, "filter"}: {section: make([]byte, ip6Filter)},
		}
	}
	v6 := &restoreInput{}
	v6.table("filter", []restoreLine{{text: "-A INPUT -j DROP"}, {text: "-A INPUT -j ACCEPT"}, {text: "-A INPUT -j RETURN"}})
	str := func(fis []famInput) []string {
		var out []string
		for _, f := range fis {
			out = append(out, f.fam.String()+" "+strings.Join(f.in.tables(), ","))
		}
		return out
	}
	tests := []struct {
		saved        map[tableID]*savedTable
		inputs       map[rule.Family]*restoreInput
		runs, checks []string
	}{
		{sizes(10, 100, 1), map[rule.Family]*restoreInput{rule.IPv4: twoTables(), rule.IPv6: v6},
			[]string{"ip nat,filter", "ip6 filter"}, []string{"ip6 filter", "ip filter"}},
		{sizes(100, 10, 1), map[rule.Family]*restoreInput{rule.IPv4: twoTables(), rule.IPv6: v6},
			[]string{"ip filter,nat", "ip6 filter"}, []string{"ip6 filter", "ip nat"}},
		{sizes(1, 1, 100), map[rule.Family]*restoreInput{rule.IPv4: twoTables(), rule.IPv6: v6},
			[]string{"ip6 filter", "ip filter,nat"}, []string{"ip filter,nat"}},
		// One table: nothing to check.
		{sizes(1, 1, 1), map[rule.Family]*restoreInput{rule.IPv6: v6}, []string{"ip6 filter"}, nil},
		// Equal sizes and risk: the first section leads.
		{sizes(5, 5, 0), map[rule.Family]*restoreInput{rule.IPv4: twoTables()}, []string{"ip filter,nat"}, []string{"ip nat"}},
		{nil, nil, nil, nil},
	}
	for i, tc := range tests {
		runs, checks := (&fullPlan{saved: tc.saved, inputs: tc.inputs}).schedule()
		if got := str(runs); !reflect.DeepEqual(got, tc.runs) {
			t.Errorf("case %d: runs %q, want %q", i, got, tc.runs)
		}
		if got := str(checks); !reflect.DeepEqual(got, tc.checks) {
			t.Errorf("case %d: checks %q, want %q", i, got, tc.checks)
		}
	}
}
