package compat

import (
	"context"
	"reflect"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// foreign sets up rules and a chain that belong to someone else.
func foreign(t *testing.T, ns *netnstest.NS, mode string) {
	t.Helper()
	ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT")
	ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j", "DROP")
	ipt(t, ns, mode, rule.IPv4, "-N", "FOREIGN")
	ipt(t, ns, mode, rule.IPv4, "-A", "FOREIGN", "-s", "192.0.2.0/24", "-j", "DROP")
	ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-j", "FOREIGN")
	ipt(t, ns, mode, rule.IPv4, "-P", "FORWARD", "DROP")
	ipt(t, ns, mode, rule.IPv4, "-t", "nat", "-A", "POSTROUTING", "-o", "eth9", "-j", "ACCEPT")
}

// without returns the saved rules that are not in owned, in order.
func without(all []string, fam rule.Family, owned []string) []string {
	set := map[string]int{}
	for _, k := range owned {
		set[k]++
	}
	var out []string
	for _, s := range all {
		if r, err := rule.ParseString(fam, s); err == nil && set[r.Key()] > 0 {
			set[r.Key()]--
			continue
		}
		out = append(out, s)
	}
	return out
}

func TestForeignRulesUntouched(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		foreign(t, ns, mode)
		foreignInput := saved(t, ns, mode, rule.IPv4, "filter", "INPUT")
		foreignChain := saved(t, ns, mode, rule.IPv4, "filter", "FOREIGN")
		foreignNat := saved(t, ns, mode, rule.IPv4, "nat", "POSTROUTING")
		b := newBackend(t, ns, mode)
		steps := [][]string{
			{`-p tcp --dport 22 -j ACCEPT`, `-p tcp --dport 80 -j ACCEPT`, `-p udp --dport 53 -j ACCEPT`},
			{`-p udp --dport 53 -j ACCEPT`, `-p tcp --dport 22 -j ACCEPT`, `-p tcp --dport 443 -j ACCEPT`},
			{`-p tcp --dport 443 -j ACCEPT`},
		}
		for i, step := range steps {
			rs := &firewall.Ruleset{Chains: []*firewall.Chain{
				prepended(chain(t, rule.IPv4, "filter", "INPUT", step...)),
				chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.4.0.0/16 -j ACCEPT`),
				chain(t, rule.IPv4, "nat", "POSTROUTING", `-s 10.4.0.0/16 -j RETURN`),
			}}
			apply(t, b, rs)
			mustEmptyPlan(t, b, rs)
			input := saved(t, ns, mode, rule.IPv4, "filter", "INPUT")
			want := chainKeys(rs.Chains[0])
			if i == 0 {
				// A fresh Apply puts prepended rules at the top, in order.
				if got := keys(t, rule.IPv4, input[:len(want)]); !reflect.DeepEqual(got, want) {
					t.Errorf("step %d: INPUT starts with %q, want %q", i, got, want)
				}
			}
			if rest := without(input, rule.IPv4, want); !reflect.DeepEqual(rest, foreignInput) {
				t.Errorf("step %d: foreign INPUT rules became %q, want %q", i, rest, foreignInput)
			}
			if got := policy(t, ns, mode, "filter", "FORWARD"); got != "DROP" {
				t.Errorf("step %d: FORWARD policy %s; the foreign DROP must stay", i, got)
			}
		}
		if err := b.CleanUp(context.Background()); err != nil {
			t.Fatalf("CleanUp: %v", err)
		}
		for _, c := range []struct {
			table, chain string
			want         []string
		}{
			{"filter", "INPUT", foreignInput},
			{"filter", "FOREIGN", foreignChain},
			{"nat", "POSTROUTING", foreignNat},
			{"filter", "FORWARD", nil},
		} {
			if got := saved(t, ns, mode, rule.IPv4, c.table, c.chain); !reflect.DeepEqual(got, c.want) {
				t.Errorf("after CleanUp %s %s holds %q, want %q", c.table, c.chain, got, c.want)
			}
		}
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "DROP" {
			t.Errorf("after CleanUp FORWARD policy %s, want the foreign DROP", got)
		}
	})
}

func TestPolicy(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		b := newBackend(t, ns, mode)
		fwd := chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.4.0.0/16 -j ACCEPT`)
		fwd.Policy = "DROP"
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{fwd}}
		p := apply(t, b, rs)
		if len(p.Changes) != 2 || p.Changes[0].Op != firewall.SetPolicy || p.Changes[0].Rule != "DROP" {
			t.Errorf("plan:\n%s\nwant the policy change, then the rule", p)
		}
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "DROP" {
			t.Fatalf("FORWARD policy %s, want DROP", got)
		}
		mustEmptyPlan(t, b, rs)
		got, err := b.Read(context.Background())
		if err != nil || len(got.Chains) != 1 || got.Chains[0].Policy != "DROP" {
			t.Errorf("Read = %+v, %v; want FORWARD with policy DROP", got, err)
		}
		// No longer set: the policy from before comes back.
		fwd.Policy = ""
		apply(t, b, rs)
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "ACCEPT" {
			t.Errorf("FORWARD policy %s once no longer set, want ACCEPT", got)
		}
		// Someone else's DROP is then left alone.
		ipt(t, ns, mode, rule.IPv4, "-P", "FORWARD", "DROP")
		mustEmptyPlan(t, b, rs)
		ipt(t, ns, mode, rule.IPv4, "-P", "FORWARD", "ACCEPT")
		fwd.Policy = "DROP"
		apply(t, b, rs)
		if err := b.CleanUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := policy(t, ns, mode, "filter", "FORWARD"); got != "ACCEPT" {
			t.Errorf("FORWARD policy %s after CleanUp, want ACCEPT", got)
		}
	})
}

func TestDriftRepair(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		var obs firewall.Counter
		b := newBackend(t, ns, mode, WithObserver(&obs))
		ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT")
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{
			prepended(chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-p tcp --dport 80 -j ACCEPT`, `-j OWN`)),
			chain(t, rule.IPv4, "filter", "OWN", `-s 10.0.0.1 -j ACCEPT`, `-s 10.0.0.2 -j ACCEPT`, `-s 10.0.0.3 -j DROP`),
		}}
		apply(t, b, rs)
		if n := obs.Get("drift"); n != 0 {
			t.Errorf("drift counted %d on the first Apply", n)
		}
		edits := []struct {
			name string
			args [][]string
			ops  int // changes the repair makes
		}{
			{"rule deleted", [][]string{{"-D", "OWN", "2"}}, 1},
			{"rule moved", [][]string{{"-D", "INPUT", "1"}, {"-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"}}, 2},
			{"rule added to an owned chain", [][]string{{"-I", "OWN", "2", "-j", "LOG"}}, 1},
			{"owned chain flushed", [][]string{{"-F", "OWN"}}, 3},
		}
		for _, e := range edits {
			for _, a := range e.args {
				ipt(t, ns, mode, rule.IPv4, a...)
			}
			p, err := b.Plan(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != e.ops {
				t.Errorf("%s: plan has %d changes, want %d:\n%s", e.name, len(p.Changes), e.ops, p)
			}
			before := obs.Get("drift")
			apply(t, b, rs)
			if got := obs.Get("drift") - before; got != e.ops {
				t.Errorf("%s: drift counted %d, want %d", e.name, got, e.ops)
			}
			checkState(t, ns, mode, &firewall.Ruleset{Chains: rs.Chains[1:]})
			input := keys(t, rule.IPv4, saved(t, ns, mode, rule.IPv4, "filter", "INPUT"))
			if rest := without(saved(t, ns, mode, rule.IPv4, "filter", "INPUT"), rule.IPv4, chainKeys(rs.Chains[0])); len(rest) != 1 {
				t.Errorf("%s: INPUT %q lost or gained foreign rules", e.name, input)
			}
			mustEmptyPlan(t, b, rs)
		}
		// A foreign rule inserted above the owned ones is tolerated.
		ipt(t, ns, mode, rule.IPv4, "-I", "INPUT", "1", "-s", "198.51.100.1", "-j", "DROP")
		mustEmptyPlan(t, b, rs)
	})
}

// TestRestart: a new Backend (a restarted process) of the same owner
// reads the ownership record: it neither doubles the rules it wrote before
// nor leaves those that are no longer desired.
func TestRestart(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		rs := kiloRuleset(t)
		apply(t, newBackend(t, ns, mode), rs)
		b := newBackend(t, ns, mode)
		mustEmptyPlan(t, b, rs)
		dropped := rs.Chains[0].Rules[0]
		rs.Chains[0].Rules = append(rs.Chains[0].Rules[1:], firewall.Rule{Spec: spec(t, rule.IPv4, `-p tcp --dport 8080 -j ACCEPT`)})
		p := apply(t, b, rs)
		if len(p.Changes) != 2 || p.Changes[0].Op != firewall.DeleteRule || p.Changes[1].Op != firewall.AddRule ||
			spec(t, rule.IPv4, p.Changes[0].Rule).Key() != dropped.Spec.Key() {
			t.Errorf("plan after a restart, one rule dropped and one added:\n%s", p)
		}
		input := saved(t, ns, mode, rule.IPv4, "filter", "INPUT")
		if got, want := keys(t, rule.IPv4, input), chainKeys(rs.Chains[0]); !reflect.DeepEqual(got, want) {
			t.Errorf("INPUT %q: want exactly the desired rules", input)
		}
		checkState(t, ns, mode, &firewall.Ruleset{Chains: rs.Chains[1:]})
	})
}
