package compat

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// kiloRuleset is a Kilo-like ruleset over filter and nat, IPv4 and IPv6.
func kiloRuleset(t *testing.T) *firewall.Ruleset {
	t.Helper()
	input := []string{
		`-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
		`-p tcp --dport 22 -m comment --comment "nftsync: ssh" -j ACCEPT`,
		`-p udp -m udp --dport 51820 -j ACCEPT`,
		`-j NFTSYNC-IN`,
	}
	natChain := []string{
		`-d 10.4.0.0/16 -m comment --comment "Kilo: do not NAT packets destined for the local Pod subnet" -j RETURN`,
		`-m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`,
	}
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", input...),
		chain(t, rule.IPv4, "filter", "NFTSYNC-IN",
			`-s 10.4.0.0/16 -j ACCEPT`,
			`-s 10.5.0.1 -m comment --comment "a b" -j DROP`),
		chain(t, rule.IPv4, "nat", "POSTROUTING",
			`-s 10.4.0.0/16 -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`),
		chain(t, rule.IPv4, "nat", "KILO-NAT", natChain...),
		chain(t, rule.IPv6, "filter", "INPUT", `-s fd00::/64 -p tcp --dport 80 -j ACCEPT`),
	}}
}

// checkState compares every desired chain with what iptables-save shows.
func checkState(t *testing.T, ns *netnstest.NS, mode string, rs *firewall.Ruleset) {
	t.Helper()
	for _, c := range rs.Chains {
		got := keys(t, c.Family, saved(t, ns, mode, c.Family, c.Table, c.Name))
		if want := chainKeys(c); !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Errorf("%s %s %s:\n got %q\nwant %q", c.Family, c.Table, c.Name, got, want)
		}
	}
}

func TestApplyReadCleanUp(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		var obs firewall.Counter
		b := newBackend(t, ns, mode, WithObserver(&obs))
		rs := kiloRuleset(t)
		p := apply(t, b, rs)
		nrules := 0
		for _, c := range rs.Chains {
			nrules += len(c.Rules)
		}
		var adds, chains int
		for _, c := range p.Changes {
			switch c.Op {
			case firewall.AddRule:
				adds++
			case firewall.AddChain:
				chains++
			default:
				t.Errorf("unexpected change %s", c)
			}
		}
		if adds != nrules || chains != 2 {
			t.Errorf("first Apply: %d rules and %d chains added, want %d and 2:\n%s", adds, chains, nrules, p)
		}
		checkState(t, ns, mode, rs)
		mustEmptyPlan(t, b, rs)
		if p := apply(t, b, rs); !p.Empty() {
			t.Errorf("second Apply changed:\n%s", p)
		}
		if n := obs.Get("batch"); n != 2 {
			t.Errorf("%d iptables-restore runs, want 2 (one per family, first Apply only)", n)
		}

		got, err := b.Read(ctx)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(got.Chains) != len(rs.Chains) {
			t.Fatalf("Read returned %d chains, want %d", len(got.Chains), len(rs.Chains))
		}
		for i, c := range rs.Chains {
			g := got.Chains[i]
			if g.Family != c.Family || g.Table != c.Table || g.Name != c.Name {
				t.Errorf("Read chain %d is %s %s %s, want %s %s %s", i, g.Family, g.Table, g.Name, c.Family, c.Table, c.Name)
			}
			if !reflect.DeepEqual(chainKeys(g), chainKeys(c)) {
				t.Errorf("Read %s %s: %q, want %q", c.Table, c.Name, chainKeys(g), chainKeys(c))
			}
		}

		if err := b.CleanUp(ctx); err != nil {
			t.Fatalf("CleanUp: %v", err)
		}
		for _, c := range rs.Chains {
			if r := saved(t, ns, mode, c.Family, c.Table, c.Name); len(r) != 0 {
				t.Errorf("after CleanUp %s %s still has %q", c.Table, c.Name, r)
			}
		}
		for _, line := range []string{":NFTSYNC-IN", ":KILO-NAT"} {
			for _, table := range []string{"filter", "nat"} {
				if out := ns.Exec("iptables-"+mode+"-save", "-t", table); containsLine(out, line) {
					t.Errorf("after CleanUp table %s still declares %s", table, line)
				}
			}
		}
	})
}

func containsLine(out, prefix string) bool {
	for _, l := range splitLines(out) {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func TestSemanticComparison(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		// A rule the owner wrote with other spellings (an earlier process)
		// is recognised, not doubled: Kilo's text comparison missed it.
		earlier := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.4.0.1 -p tcp -m tcp --dport 80 -j ACCEPT`)}}
		apply(t, newBackend(t, ns, mode), earlier)
		b := newBackend(t, ns, mode)
		first := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "FORWARD", `-p 6 -s 10.4.0.1/32 --dport http -j ACCEPT`),
			chain(t, rule.IPv4, "filter", "NFTSYNC",
				`-m comment --comment "allow web" -p tcp --destination-port 443 -d 10.0.0.0/8 -j ACCEPT`,
				`-p ipencap -j DROP`,
				`-i wg0 -s 10.4.0.0/255.255.0.0 -j RETURN`),
		}}
		p := apply(t, b, first)
		for _, c := range p.Changes {
			if c.Chain == "FORWARD" {
				t.Errorf("the existing FORWARD rule was not recognised: %s", c)
			}
		}
		if got := saved(t, ns, mode, rule.IPv4, "filter", "FORWARD"); len(got) != 1 {
			t.Errorf("FORWARD holds %q, want the one rule", got)
		}
		// The same meaning, spelled as iptables-save prints it and otherwise.
		second := &firewall.Ruleset{Chains: []*firewall.Chain{
			chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.4.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT`),
			chain(t, rule.IPv4, "filter", "NFTSYNC",
				`-d 10.0.0.0/8 -p tcp -m tcp --dport 443 -m comment --comment "allow web" -j ACCEPT`,
				`-p 4 -j DROP`,
				`-s 10.4.0.0/16 -i wg0 -j RETURN`),
		}}
		mustEmptyPlan(t, b, second)
		if p := apply(t, b, second); !p.Empty() {
			t.Errorf("re-spelled ruleset changed:\n%s", p)
		}
	})
}

func TestRuleErrorNamesRule(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		b := newBackend(t, ns, mode)
		// MASQUERADE outside nat passes Validate; the kernel refuses it
		// (iptables-legacy-restore blames the COMMIT line).
		bad := chain(t, rule.IPv4, "filter", "INPUT", `-p tcp --dport 22 -j ACCEPT`, `-s 10.0.0.0/8 -j MASQUERADE`)
		bad.Rules[1].Label = "my label for the bad rule"
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{bad, chain(t, rule.IPv4, "filter", "OTHER", `-j RETURN`)}}
		_, err := b.Apply(context.Background(), rs)
		var re *firewall.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("Apply error %v is not a RuleError", err)
		}
		if re.Rule != "my label for the bad rule" {
			t.Errorf("RuleError names %q, want the bad rule's label", re.Rule)
		}
		// The table is restored atomically: nothing of it was applied.
		if got := saved(t, ns, mode, rule.IPv4, "filter", "INPUT"); len(got) != 0 {
			t.Errorf("INPUT holds %q after a refused restore", got)
		}
		// Without a label, the error names the rule as TABLE -A CHAIN SPEC.
		bad.Rules[1].Label = ""
		_, err = b.Apply(context.Background(), rs)
		if !errors.As(err, &re) || re.Rule != "filter -A INPUT -s 10.0.0.0/8 -j MASQUERADE" {
			t.Errorf("Apply error %v does not name the rule", err)
		}
	})
}
