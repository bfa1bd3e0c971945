package compat

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// tableText is what iptables-MODE-save prints for one table, without its
// comment lines (which carry a date).
func tableText(t *testing.T, ns *netnstest.NS, mode string, fam rule.Family, table string) string {
	t.Helper()
	bin := "iptables-" + mode + "-save"
	if fam == rule.IPv6 {
		bin = "ip6tables-" + mode + "-save"
	}
	var out []string
	for _, l := range splitLines(ns.Exec(bin, "-t", table)) {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// withLine returns save text with line added after the last line that
// starts with after.
func withLine(text, after, line string) string {
	lines := splitLines(text)
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, after) {
			at = i
		}
	}
	return strings.Join(slices.Insert(lines, at+1, line), "\n")
}

// TestRecordAcrossProcesses: every step is a new Backend of the same owner
// (a new process, as the CLI runs), next to foreign rules, one of them
// equal to an owned rule from the start and one equal copy added by someone
// else after the owner's. A smaller Apply removes exactly the stale owned
// rules, Read shows the owned state, CleanUp removes everything owned and
// gives back the policy, and every foreign line of iptables-save stays as
// it was, in its place.
func TestRecordAcrossProcesses(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		foreign(t, ns, mode)
		// A foreign rule equal to a rule the owner will want: not adopted.
		ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", "80", "-j", "ACCEPT")
		pre := map[string]string{
			"filter": tableText(t, ns, mode, rule.IPv4, "filter"),
			"nat":    tableText(t, ns, mode, rule.IPv4, "nat"),
		}
		fwd := chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.4.0.0/16 -j ACCEPT`)
		fwd.Policy = "ACCEPT" // the foreign policy is DROP
		first := &firewall.Ruleset{Chains: []*firewall.Chain{
			prepended(chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-p tcp --dport 80 -j ACCEPT`,
				`-p udp --dport 53 -j ACCEPT`, `-j OWN`)),
			chain(t, rule.IPv4, "filter", "OWN", `-s 10.0.0.1 -j ACCEPT`),
			fwd,
			chain(t, rule.IPv4, "nat", "POSTROUTING", `-s 10.4.0.0/16 -j RETURN`),
			chain(t, rule.IPv6, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`),
		}}
		apply(t, newBackend(t, ns, mode), first)
		if n := len(saved(t, ns, mode, rule.IPv4, "filter", "INPUT")); n != 4+4 {
			t.Fatalf("INPUT holds %d rules, want the 4 foreign and 4 owned ones (the equal foreign rule not adopted)", n)
		}
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "ACCEPT" {
			t.Fatalf("FORWARD policy %s, want ACCEPT", got)
		}
		// Someone else appends a copy of an owned rule.
		dup := "-A INPUT -p udp -m udp --dport 53 -j ACCEPT"
		ipt(t, ns, mode, rule.IPv4, strings.Fields(dup)...)

		// A new process reads the owned state.
		got, err := newBackend(t, ns, mode).Read(ctx)
		if err != nil {
			t.Fatalf("Read from a new Backend: %v", err)
		}
		if want := describe(first); describe(got) != want {
			t.Errorf("Read from a new Backend:\n%s\nwant:\n%s", describe(got), want)
		}

		// A new process applies a smaller ruleset: the stale owned rules go.
		second := &firewall.Ruleset{Chains: []*firewall.Chain{
			prepended(chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`)),
		}}
		b := newBackend(t, ns, mode)
		p := apply(t, b, second)
		var dels, chains, policies int
		for _, c := range p.Changes {
			switch c.Op {
			case firewall.DeleteRule:
				dels++
			case firewall.DeleteChain:
				chains++
			case firewall.SetPolicy:
				policies++
			default:
				t.Errorf("unexpected change %s", c)
			}
		}
		// INPUT: 80, 53, -j OWN; OWN's rule; FORWARD's; nat's; ip6's.
		if dels != 7 || chains != 1 || policies != 1 {
			t.Errorf("smaller Apply from a new Backend: %d deletions, %d chains, %d policies, want 7, 1, 1:\n%s", dels, chains, policies, p)
		}
		wantFilter := withLine(pre["filter"], "-A INPUT ", dup)
		wantFilter = strings.Replace(wantFilter, "\n-A INPUT ", "\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT ", 1)
		if got := tableText(t, ns, mode, rule.IPv4, "filter"); got != wantFilter {
			t.Errorf("filter after the smaller Apply:\n%s\nwant:\n%s", got, wantFilter)
		}
		if got := tableText(t, ns, mode, rule.IPv4, "nat"); got != pre["nat"] {
			t.Errorf("nat after the smaller Apply:\n%s\nwant:\n%s", got, pre["nat"])
		}
		if got := saved(t, ns, mode, rule.IPv6, "filter", "INPUT"); len(got) != 0 {
			t.Errorf("ip6 INPUT after the smaller Apply: %q", got)
		}
		mustEmptyPlan(t, newBackend(t, ns, mode), second)

		// A new process cleans up: the foreign state, byte for byte.
		if err := newBackend(t, ns, mode).CleanUp(ctx); err != nil {
			t.Fatalf("CleanUp from a new Backend: %v", err)
		}
		if got, want := tableText(t, ns, mode, rule.IPv4, "filter"), withLine(pre["filter"], "-A INPUT ", dup); got != want {
			t.Errorf("filter after CleanUp:\n%s\nwant:\n%s", got, want)
		}
		if _, err := os.Stat(newBackend(t, ns, mode).statePath()); !os.IsNotExist(err) {
			t.Errorf("the record is still there once nothing is owned: %v", err)
		}
		// The Backend that applied the smaller ruleset notices the record
		// went away and owns nothing either.
		if p, err := b.Plan(ctx, &firewall.Ruleset{}); err != nil || !p.Empty() {
			t.Errorf("Plan of nothing after another process's CleanUp: %v, %v", p, err)
		}
	})
}

// TestRecordPolicyAcrossProcesses: the policy from before is given back by
// a new process, for both a later Apply that no longer sets it and CleanUp.
func TestRecordPolicyAcrossProcesses(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ipt(t, ns, mode, rule.IPv4, "-P", "FORWARD", "DROP")
		fwd := &firewall.Chain{Family: rule.IPv4, Table: "filter", Name: "FORWARD", Policy: "ACCEPT"}
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{fwd}}
		apply(t, newBackend(t, ns, mode), rs)
		fwd.Policy = "DROP"
		apply(t, newBackend(t, ns, mode), rs) // the policy from before stays DROP in the record
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "DROP" {
			t.Fatalf("FORWARD policy %s, want DROP", got)
		}
		fwd.Policy = "ACCEPT"
		apply(t, newBackend(t, ns, mode), rs)
		if err := newBackend(t, ns, mode).CleanUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "DROP" {
			t.Errorf("FORWARD policy %s after CleanUp from a new Backend, want the DROP from before", got)
		}
	})
}

// TestTwoOwners: owners side by side in the same chains, one of their rules
// equal, never touch each other's rules, across new processes.
func TestTwoOwners(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		rsA := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-s 10.1.0.0/16 -j A-IN`),
			chain(t, rule.IPv4, "filter", "A-IN", `-j RETURN`),
		}}
		rsB := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-s 10.2.0.0/16 -j DROP`),
		}}
		a := func() *Backend { return newBackend(t, ns, mode, WithOwner("a")) }
		b := func() *Backend { return newBackend(t, ns, mode, WithOwner("b")) }
		apply(t, a(), rsA)
		apply(t, b(), rsB)
		if n := len(saved(t, ns, mode, rule.IPv4, "filter", "INPUT")); n != 4 {
			t.Fatalf("INPUT holds %d rules, want 4: each owner has its own copy of the equal rule", n)
		}
		mustEmptyPlan(t, a(), rsA)
		mustEmptyPlan(t, b(), rsB)
		// a drops the shared rule: b keeps its copy.
		rsA.Chains[0].Rules = rsA.Chains[0].Rules[1:]
		apply(t, a(), rsA)
		mustEmptyPlan(t, b(), rsB)
		got, err := b().Read(ctx)
		if err != nil || describe(got) != describe(rsB) {
			t.Errorf("b's Read after a's change: %v\n%s\nwant:\n%s", err, describe(got), describe(rsB))
		}
		if err := a().CleanUp(ctx); err != nil {
			t.Fatal(err)
		}
		mustEmptyPlan(t, b(), rsB)
		if got := keys(t, rule.IPv4, saved(t, ns, mode, rule.IPv4, "filter", "INPUT")); !reflect.DeepEqual(got, chainKeys(rsB.Chains[0])) {
			t.Errorf("INPUT after a's CleanUp: %q, want b's rules", got)
		}
		if err := b().CleanUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := tableText(t, ns, mode, rule.IPv4, "filter"); strings.Contains(got, "-A ") || strings.Contains(got, ":A-IN") {
			t.Errorf("filter after both CleanUps:\n%s", got)
		}
	})
}

// TestRecordUnusable: a corrupt record, or one written for another
// namespace, owns nothing: the rules it listed stay (nothing is deleted
// that cannot be proven owned) and the next Apply writes a good record.
func TestRecordUnusable(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-p tcp --dport 80 -j ACCEPT`),
		}}
		first := newBackend(t, ns, mode)
		apply(t, first, rs)
		path := first.statePath()
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("no record after Apply: %v", err)
		}
		// Another namespace's record, copied under this one's name.
		other := netnstest.New(t)
		otherPath := filepath.Join(stateDir(t, ns), filepath.Base(newBackend(t, other, mode).statePath()))
		for _, bad := range []struct {
			name, path string
			data       []byte
		}{
			{"truncated", path, good[:len(good)/2]},
			{"another namespace", otherPath, good},
		} {
			t.Run(bad.name, func(t *testing.T) {
				if err := os.WriteFile(bad.path, bad.data, 0o600); err != nil {
					t.Fatal(err)
				}
				target := ns
				if bad.path == otherPath {
					target = other
					for _, r := range rs.Chains[0].Rules {
						ipt(t, other, mode, rule.IPv4, append([]string{"-A", "INPUT"}, r.Spec.Args()...)...)
					}
				}
				before := saved(t, target, mode, rule.IPv4, "filter", "INPUT")
				b := newBackend(t, target, mode, WithStateDir(stateDir(t, ns)))
				if got, err := b.Read(ctx); err != nil || len(got.Chains) != 0 {
					t.Errorf("Read with an unusable record: %v, %v; want nothing owned", describe(got), err)
				}
				apply(t, b, &firewall.Ruleset{})
				if got := saved(t, target, mode, rule.IPv4, "filter", "INPUT"); !reflect.DeepEqual(got, before) {
					t.Errorf("INPUT %q after an Apply of nothing with an unusable record, want %q untouched", got, before)
				}
				apply(t, b, rs)
				if _, err := os.Stat(bad.path); err != nil {
					t.Fatalf("no record after Apply: %v", err)
				}
				if got, err := newBackend(t, target, mode, WithStateDir(stateDir(t, ns))).Read(ctx); err != nil || describe(got) != describe(rs) {
					t.Errorf("the record written after an unusable one: Read %v\n%s", err, describe(got))
				}
			})
		}
	})
}

// describe prints a ruleset's chains and rule keys, for comparisons.
func describe(rs *firewall.Ruleset) string {
	if rs == nil {
		return "<nil>"
	}
	var b strings.Builder
	for _, c := range rs.Chains {
		b.WriteString(c.Family.String() + " " + c.Table + " " + c.Name + " " + c.Policy + "\n")
		for _, k := range chainKeys(c) {
			b.WriteString("\t" + k + "\n")
		}
	}
	return b.String()
}
