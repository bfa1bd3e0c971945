package nft

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// TestForeignTablesUntouched checks that iptables-nft's tables and other
// nft tables stay byte-identical through Apply, repair and CleanUp.
func TestForeignTablesUntouched(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-A", "INPUT", "-s", "192.0.2.1", "-m", "comment", "--comment", "theirs", "-j", "DROP")
	ns.Exec("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-j", "MASQUERADE")
	ns.NFT("add table inet other\nadd chain inet other c { type filter hook input priority 5; }\n" +
		"add rule inet other c ip saddr 198.51.100.0/24 counter drop\n" +
		"add table ip nftsync-other\nadd chain ip nftsync-other c\nadd rule ip nftsync-other c counter")
	snapshot := func() string {
		return ns.Exec("nft", "-a", "list", "table", "ip", "filter") +
			ns.Exec("nft", "-a", "list", "table", "ip", "nat") +
			ns.Exec("nft", "-a", "list", "table", "inet", "other") +
			ns.Exec("nft", "-a", "list", "table", "ip", "nftsync-other")
	}
	before := snapshot()
	b, _ := newBackend(t, ns)
	rs := kiloRuleset(t)
	apply(t, b, rs)
	check := func(when string) {
		t.Helper()
		if got := snapshot(); got != before {
			t.Errorf("foreign tables changed %s:\n%s\nwant:\n%s", when, got, before)
		}
		if out := ns.Exec("iptables-nft-save"); strings.Contains(out, "incompatible") || !strings.Contains(out, "theirs") {
			t.Errorf("iptables-nft-save %s:\n%s", when, out)
		}
	}
	check("after Apply")
	ns.NFT("flush chain ip nftsync-nat KILO-NAT")
	apply(t, b, rs)
	check("after repair")
	got, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Chains); n != len(rs.Chains) {
		t.Errorf("Read returned %d chains, want %d", n, len(rs.Chains))
	}
	if err := b.CleanUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after CleanUp")
	if out := ns.Exec("nft", "list", "tables"); strings.Contains(out, "nftsync-filter") || strings.Contains(out, "nftsync-nat") {
		t.Errorf("CleanUp left owned tables:\n%s", out)
	}
}

// TestRejectedBatch checks that a batch the kernel refuses changes nothing
// and that the error names the refused rule.
func TestRejectedBatch(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	cases := []struct {
		name  string
		bad   *firewall.Chain
		label string
		errno unix.Errno
		hint  string
	}{
		{"jump to missing chain", chain(t, rule.IPv4, "filter", "FORWARD", "DROP", `-i kilo0 -j ACCEPT`, `-o kilo0 -j ACCEPT`, `-s 10.9.0.0/16 -j MISSING`), "MISSING",
			unix.ENOENT, "a chain, set or table the rule refers to does not exist"},
		{"masquerade in filter chain", chain(t, rule.IPv4, "filter", "FORWARD", "DROP", `-i kilo0 -j ACCEPT`, `-o kilo0 -j ACCEPT`, `-o eth0 -j MASQUERADE`), "MASQUERADE",
			unix.EOPNOTSUPP, "NAT outside a nat chain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := netnstest.New(t)
			b, obs := newBackend(t, ns, WithOwner("kilo"))
			apply(t, b, kiloRuleset(t))
			before := ns.Exec("nft", "-a", "list", "ruleset")
			rs := kiloRuleset(t)
			// Bypass Validate: the kernel is what refuses here.
			for i, c := range rs.Chains {
				if c.Table == tc.bad.Table && c.Name == tc.bad.Name && c.Family == tc.bad.Family {
					rs.Chains[i] = tc.bad
				}
			}
			rs.Chains = append(rs.Chains, chain(t, rule.IPv4, "raw", "PREROUTING", "", `-j ACCEPT`))
			_, err := b.Apply(context.Background(), rs)
			var re *firewall.RuleError
			if !errors.As(err, &re) || !strings.Contains(re.Rule, tc.label) {
				t.Fatalf("Apply: %v, want a RuleError naming the %s rule", err, tc.label)
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, tc.errno) || !strings.Contains(err.Error(), tc.hint) {
				t.Errorf("Apply: %v, want %v with the hint %q", err, tc.errno, tc.hint)
			}
			if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
				t.Errorf("refused batch changed the ruleset:\n%s\nwant:\n%s", after, before)
			}
			// The backend still works afterwards, from the state in
			// memory: a refused batch changed nothing.
			obs.Take()
			if p := apply(t, b, kiloRuleset(t)); !p.Empty() {
				t.Errorf("apply after refusal: %s", p)
			}
			if n := obs.Get("dump"); n != 0 {
				t.Errorf("apply after refusal dumped %d times", n)
			}
		})
	}
}

// TestRestartRetries changes the ruleset between the read and the write:
// the kernel refuses the batch (ERESTART) and Apply plans again.
func TestRestartRetries(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	b, obs := newBackend(t, ns)
	rs := kiloRuleset(t)
	apply(t, b, rs)
	bumps := 0
	b.beforeSend = func() {
		if bumps < 2 {
			bumps++
			ns.NFT("add table ip bump\nadd chain ip nftsync-filter FOREIGN")
		}
	}
	// A new Ruleset: Apply's caller never modifies one it passed.
	rs = kiloRuleset(t)
	rs.Chains = append(rs.Chains, chain(t, rule.IPv4, "filter", "OUTPUT", "", `-j ACCEPT`))
	obs.Take()
	apply(t, b, rs)
	if bumps != 2 || obs.Get("batch") != 3 {
		t.Errorf("bumps %d, batches %d: want 2 refused batches and 1 committed", bumps, obs.Get("batch"))
	}
	if strings.Contains(ns.Exec("nft", "list", "table", "ip", "nftsync-filter"), "FOREIGN") {
		t.Error("chain added during the apply survived it")
	}
	b.beforeSend = nil
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %s", p)
	}
	// Out of retries: the error says why.
	b2, _ := newBackend(t, ns, WithMaxRetries(0), WithOwner("other"))
	b2.beforeSend = func() { ns.NFT("add table ip bump2") }
	if _, err := b2.Apply(context.Background(), rs); !errors.Is(err, errRestart) {
		t.Errorf("Apply without retries: %v, want errRestart", err)
	}
}
