package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// natRuleset is a Kilo-like state over filter and nat of both families.
func natRuleset(t *testing.T) *firewall.Ruleset {
	t.Helper()
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.1.0.0/16 -j ACCEPT`, `-s 10.9.0.0/16 -j DROP`),
		chain(t, rule.IPv4, "nat", "KILO-NAT", `-d 10.1.0.0/16 -j RETURN`, `-j MASQUERADE`),
		chain(t, rule.IPv4, "nat", "POSTROUTING", `-s 10.1.0.0/16 -j KILO-NAT`),
		chain(t, rule.IPv6, "filter", "FORWARD", `-s fd01::/64 -j ACCEPT`),
		chain(t, rule.IPv6, "nat", "KILO-NAT", `-j MASQUERADE`),
		chain(t, rule.IPv6, "nat", "POSTROUTING", `-s fd01::/64 -j KILO-NAT`),
	}}
}

// counterRE matches the counters iptables-save prints.
var counterRE = regexp.MustCompile(`\[\d+:\d+\]`)

// listing is both families' iptables-save output, without comments and
// counters.
func listing(t *testing.T, ns *netnstest.NS, mode string) string {
	t.Helper()
	var b strings.Builder
	for _, bin := range []string{"iptables-" + mode + "-save", "ip6tables-" + mode + "-save"} {
		for _, l := range splitLines(ns.Exec(bin)) {
			if !strings.HasPrefix(l, "#") {
				b.WriteString(counterRE.ReplaceAllString(l, "[]") + "\n")
			}
		}
	}
	return b.String()
}

// TestRefusedApplyChangesNothing: a change refused in a later table, or in
// the second family, leaves both families' tables byte-identical (counters
// aside), whether the scratch check catches it or the roll-back undoes the
// sections already committed; one refused in the section made first (the
// biggest table's, unchecked) commits nothing.
func TestRefusedApplyChangesNothing(t *testing.T) {
	cases := []refusal{
		{
			name: "second family, later table",
			bad: func(t *testing.T, rs *firewall.Ruleset) string {
				// ip filter is the biggest table: IPv4 goes first; in
				// IPv6 filter has more to add than nat: nat comes last.
				rs.Chains[0] = chain(t, rule.IPv4, "filter", "FORWARD",
					`-s 10.7.0.0/16 -j DROP`, `-s 10.1.0.0/16 -j ACCEPT`, `-s 10.8.0.0/16 -j DROP`, `-s 10.6.0.0/16 -j DROP`)
				rs.Chains[2] = chain(t, rule.IPv4, "nat", "POSTROUTING", `-d 10.8.0.0/24 -j RETURN`, `-s 10.1.0.0/16 -j KILO-NAT`)
				rs.Chains = append(rs.Chains,
					chain(t, rule.IPv6, "filter", "KILO-NEW", `-j RETURN`),
					chain(t, rule.IPv6, "filter", "INPUT", `-j KILO-NEW`),
					chain(t, rule.IPv6, "nat", "PREROUTING", `-s fd01::/64 -j MASQUERADE`))
				return "nat -A PREROUTING -s fd01::/64 -j MASQUERADE"
			},
			checked:   counts{batches: 0, rollbacks: 0},
			unchecked: counts{batches: 2, rollbacks: 2},
		},
		{
			name: "first family, later table",
			bad: func(t *testing.T, rs *firewall.Ruleset) string {
				rs.Chains[0] = chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.7.0.0/16 -j DROP`, `-s 10.1.0.0/16 -j ACCEPT`, `-s 10.8.0.0/16 -j DROP`)
				rs.Chains = append(rs.Chains,
					chain(t, rule.IPv4, "filter", "KILO-NEW", `-j RETURN`),
					chain(t, rule.IPv4, "nat", "PREROUTING", `-s 10.1.0.0/16 -j MASQUERADE`),
					chain(t, rule.IPv6, "filter", "INPUT", `-s fd07::/64 -j DROP`))
				rs.Chains[3] = chain(t, rule.IPv6, "filter", "FORWARD")
				return "nat -A PREROUTING -s 10.1.0.0/16 -j MASQUERADE"
			},
			checked:   counts{batches: 0, rollbacks: 0},
			unchecked: counts{batches: 1, rollbacks: 1},
		},
		{
			name: "the section made first",
			bad: func(t *testing.T, rs *firewall.Ruleset) string {
				rs.Chains[0] = chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.7.0.0/16 -j DROP`, `-s 10.5.0.0/16 -j MASQUERADE`)
				rs.Chains[2] = chain(t, rule.IPv4, "nat", "POSTROUTING", `-d 10.8.0.0/24 -j RETURN`, `-s 10.1.0.0/16 -j KILO-NAT`)
				rs.Chains[3] = chain(t, rule.IPv6, "filter", "FORWARD", `-s fd07::/64 -j DROP`)
				return "filter -A FORWARD -s 10.5.0.0/16 -j MASQUERADE"
			},
			// iptables-legacy-restore blames the COMMIT of several
			// commands: without a scratch namespace to find the one, the
			// error cannot name it.
			checked:   counts{batches: 1, rollbacks: 0},
			unchecked: counts{batches: 1, rollbacks: 0, unnamedLegacy: true},
		},
	}
	for _, tc := range cases {
		for _, checked := range []bool{true, false} {
			name := tc.name + ", unchecked"
			if checked {
				name = tc.name + ", checked"
			}
			t.Run(name, func(t *testing.T) {
				forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
					testRefused(t, ns, mode, checked, tc)
				})
			})
		}
	}
}

// refusal is a case of TestRefusedApplyChangesNothing.
type refusal struct {
	name string
	// bad changes the good ruleset in several tables, with one rule the
	// kernel refuses, and returns the label of that rule.
	bad func(t *testing.T, rs *firewall.Ruleset) string
	// what the refused Apply costs with and without scratch checks.
	checked, unchecked counts
}

// counts are the real and roll-back restores a refused Apply runs.
type counts struct {
	batches, rollbacks int
	unnamedLegacy      bool // under iptables-legacy the error names no rule
}

func testRefused(t *testing.T, ns *netnstest.NS, mode string, checked bool, tc refusal) {
	ctx := context.Background()
	// Foreign rules in both families, to be kept as they are; ip filter
	// gets the most, so that its section is the one made first, unchecked.
	bulk(t, ns, mode)
	ipt(t, ns, mode, rule.IPv6, "-t", "nat", "-A", "POSTROUTING", "-o", "eth9", "-j", "ACCEPT")
	var obs firewall.Counter
	b := newBackend(t, ns, mode, WithObserver(&obs))
	want := tc.checked
	if !checked {
		want = tc.unchecked
		b.noScratch = errors.New("scratch check disabled by the test")
	}
	good := natRuleset(t)
	apply(t, b, good)
	before, ruleset := listing(t, ns, mode), ns.Exec("nft", "list", "ruleset")
	read, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}

	rs := natRuleset(t)
	label := tc.bad(t, rs)
	obs.Take()
	_, err = b.Apply(ctx, rs)
	t.Logf("Apply error: %v", err)
	var re *firewall.RuleError
	switch {
	case err == nil:
		t.Fatal("Apply succeeded")
	case want.unnamedLegacy && mode == ModeLegacy:
	case !errors.As(err, &re) || re.Rule != label:
		t.Errorf("Apply error %v does not name %q", err, label)
	}
	if now := listing(t, ns, mode); now != before {
		t.Errorf("the refused Apply changed the tables:\nbefore:\n%s\nafter:\n%s", before, now)
	}
	if now := ns.Exec("nft", "list", "ruleset"); now != ruleset {
		// A roll-back rebuilds iptables-nft tables: same meaning, maybe
		// another chain order. Without one, nothing was touched.
		report := t.Errorf
		if want.rollbacks > 0 {
			report = t.Logf
		}
		report("the refused Apply changed nft list ruleset:\nbefore:\n%s\nafter:\n%s", ruleset, now)
	}
	if got := obs.Get("batch"); got != want.batches {
		t.Errorf("%d restores, want %d", got, want.batches)
	}
	if got := obs.Get("rollback"); got != want.rollbacks {
		t.Errorf("%d roll-back restores, want %d", got, want.rollbacks)
	}
	if got := obs.Get("check"); checked != (got > 0) {
		t.Errorf("%d scratch checks", got)
	}

	// The backend owns what it owned: Read and Plan are as before.
	now, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := readKeys(now), readKeys(read); !reflect.DeepEqual(got, want) {
		t.Errorf("Read after the refused Apply:\n%q\nwant\n%q", got, want)
	}
	mustEmptyPlan(t, b, good)
}

// bulk adds foreign rules to ip filter INPUT, making its saved text the
// biggest: Apply makes the change of the biggest table first.
func bulk(t *testing.T, ns *netnstest.NS, mode string) {
	t.Helper()
	for i := range 8 {
		ipt(t, ns, mode, rule.IPv4, "-A", "INPUT", "-i", "lo", "-s", fmt.Sprintf("192.0.2.%d", i), "-j", "ACCEPT")
	}
}

// readKeys lists a ruleset's chains and rule keys.
func readKeys(rs *firewall.Ruleset) []string {
	var out []string
	for _, c := range rs.Chains {
		out = append(out, c.Family.String()+" "+c.Table+" :"+c.Name+" "+c.Policy)
		for _, k := range chainKeys(c) {
			out = append(out, "  "+k)
		}
	}
	return out
}

// TestFailedRollBack: when the roll-back fails too, the error says so and
// still names the refused rule; the backend owns both states, Read shows no
// chain it owns nothing in, and the next Apply puts the old state back.
func TestFailedRollBack(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		ctx := context.Background()
		dir, _ := wrapDir(t, mode)
		for _, base := range []string{"iptables", "ip6tables"} {
			name := base + "-" + mode + "-restore"
			script := "#!/bin/sh\ncase \"$*\" in *--noflush*) ;; *) echo 'refused by the test' >&2; exit 1;; esac\nexec " +
				netnstest.RequireBinary(t, name) + " \"$@\"\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		bulk(t, ns, mode)
		b := newBackend(t, ns, mode, WithBinDir(dir))
		b.noScratch = errors.New("scratch check disabled by the test")
		good := natRuleset(t)
		apply(t, b, good)
		before := listing(t, ns, mode)

		rs := natRuleset(t)
		rs.Chains[0] = chain(t, rule.IPv4, "filter", "FORWARD", `-s 10.7.0.0/16 -j DROP`, `-s 10.1.0.0/16 -j ACCEPT`)
		rs.Chains = append(rs.Chains,
			chain(t, rule.IPv4, "filter", "KILO-NEW", `-j RETURN`),
			chain(t, rule.IPv6, "nat", "PREROUTING", `-s fd01::/64 -j MASQUERADE`))
		_, err := b.Apply(ctx, rs)
		var re *firewall.RuleError
		if !errors.As(err, &re) || re.Rule != "nat -A PREROUTING -s fd01::/64 -j MASQUERADE" || !strings.Contains(err.Error(), "rolling back ip tables filter") {
			t.Fatalf("Apply error %v: want the refused rule and the failed roll-back of ip filter", err)
		}
		if listing(t, ns, mode) == before {
			t.Fatal("the roll-back was not refused: the test proves nothing")
		}
		got, err := b.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Chains {
			if c.Family == rule.IPv6 && c.Table == "nat" && c.Name == "PREROUTING" {
				t.Errorf("Read shows ip6 nat PREROUTING, where nothing owned is: %q", readKeys(got))
			}
		}
		if !slices.ContainsFunc(got.Chains, func(c *firewall.Chain) bool { return c.Name == "KILO-NEW" }) {
			t.Errorf("Read does not show KILO-NEW, owned and committed: %q", readKeys(got))
		}
		apply(t, b, good)
		if now := listing(t, ns, mode); now != before {
			t.Errorf("Apply after the failed roll-back did not restore the state:\nbefore:\n%s\nafter:\n%s", before, now)
		}
	})
}
