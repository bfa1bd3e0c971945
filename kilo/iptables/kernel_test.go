package iptables_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/coreos/go-iptables/iptables"
	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	kilo "github.com/nftsync/nftsync/kilo/iptables"
	"github.com/nftsync/nftsync/rule"
)

// go-iptables' client is what Kilo passes to WithClients.
var _ kilo.Client = (*iptables.IPTables)(nil)

// kiloCount is how many rules Kilo ends up with for rules, counted per
// family: what its Set does on a fresh host (each append rule's Append,
// which is AppendUnique, then each prepend rule's Prepend, which is
// InsertUnique at the top) leaves in an iptables that compares rules by
// meaning, as iptables -C does (the fake client).
func kiloCount(t *testing.T, rules []kiloRule) (v4, v6 int) {
	f4, f6 := kiloClients(t, rules)
	return f4.count(), f6.count()
}

// kiloClients returns the fake clients as Kilo's Set leaves them.
func kiloClients(t *testing.T, rules []kiloRule) (v4, v6 *fakeClient) {
	t.Helper()
	f := map[kilo.Protocol]*fakeClient{kilo.ProtocolIPv4: newFakeClient(rule.IPv4), kilo.ProtocolIPv6: newFakeClient(rule.IPv6)}
	prepend, appendRules := build(rules, kilo.NewRule, kilo.NewIPv4Chain, kilo.NewIPv6Chain)
	for _, r := range appendRules {
		if err := r.Append(f[r.Proto()]); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range prepend {
		if err := r.Prepend(f[r.Proto()]); err != nil {
			t.Fatal(err)
		}
	}
	return f[kilo.ProtocolIPv4], f[kilo.ProtocolIPv6]
}

// TestKiloRulesOnNFTables sets the rules Kilo installs for a dual-stack
// mesh in a fresh namespace with the default engine: the kernel holds as
// many rules as Kilo would (rules equal in meaning once), the engine finds
// nothing to change afterwards, a second Set of the rebuilt rules changes
// no handle, and CleanUp leaves nothing.
func TestKiloRulesOnNFTables(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rules := newKiloTopology().rules()
	f4, f6 := kiloClients(t, rules)
	want4, want6 := f4.count(), f6.count()
	if want4+want6 >= countRules(rules) {
		t.Fatalf("the topology has no rules equal in meaning (%d+%d of %d): it tests nothing", want4, want6, countRules(rules))
	}
	c, err := kilo.New(kilo.WithNetNS(ns.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(kiloRuleSet(rules)); err != nil {
		t.Fatal(err)
	}
	// A second controller of the same owner reads the kernel.
	reader, err := controller.New(controller.WithNetNS(ns.Path), controller.WithOwner(kilo.DefaultOwner), controller.WithPlacement(kilo.DefaultPlacement...))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	cur, err := reader.Current()
	if err != nil {
		t.Fatal(err)
	}
	got := map[rule.Family]int{}
	for _, ch := range cur.Chains {
		got[ch.Family] += len(ch.Rules)
	}
	if got[rule.IPv4] != want4 || got[rule.IPv6] != want6 {
		t.Errorf("kernel has %d IPv4 and %d IPv6 rules, Kilo has %d and %d", got[rule.IPv4], got[rule.IPv6], want4, want6)
	}
	// Chain by chain, the same rules in the same order as Kilo's.
	for _, ch := range cur.Chains {
		var have []string
		for _, r := range ch.Rules {
			have = append(have, r.Spec.String())
		}
		f := f4
		if ch.Family == rule.IPv6 {
			f = f6
		}
		if want := f.rules(ch.Table, ch.Name); strings.Join(have, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s %s %s:\n%s\nKilo has:\n%s", ch.Family, ch.Table, ch.Name, strings.Join(have, "\n"), strings.Join(want, "\n"))
		}
	}
	t.Logf("%d rules given, %d IPv4 + %d IPv6 installed", countRules(rules), got[rule.IPv4], got[rule.IPv6])
	// Apply → diff 0, and the state read back is the state set.
	prepend, appendRules := controllerRules(rules)
	desired, err := controller.DesiredPlaced(prepend, appendRules)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rs   *firewall.Ruleset
	}{{"desired", desired}, {"read back", cur}} {
		plan, err := reader.PlanRuleset(tc.rs)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Empty() {
			t.Errorf("plan of the %s state after Set is not empty: %v", tc.name, plan)
		}
	}
	// A second Set of the rebuilt rules changes nothing: same handles.
	before := ns.Exec("nft", "-a", "list", "ruleset")
	if err := c.Set(kiloRuleSet(rules)); err != nil {
		t.Fatal(err)
	}
	if err := c.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("second Set changed the ruleset:\n%s\n---\n%s", before, after)
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if left := ns.Exec("nft", "list", "ruleset"); strings.Contains(left, "kilo-") || strings.Contains(left, "KILO-") {
		t.Errorf("CleanUp left:\n%s", left)
	}
}

// countingClient counts a client's calls: those that change something,
// and the others.
type countingClient struct {
	kilo.Client
	writes, reads int
}

func (c *countingClient) List(table, chain string) ([]string, error) {
	c.reads++
	return c.Client.List(table, chain)
}
func (c *countingClient) ListChains(table string) ([]string, error) {
	c.reads++
	return c.Client.ListChains(table)
}
func (c *countingClient) Exists(table, chain string, spec ...string) (bool, error) {
	c.reads++
	return c.Client.Exists(table, chain, spec...)
}

func (c *countingClient) AppendUnique(table, chain string, spec ...string) error {
	c.writes++
	return c.Client.AppendUnique(table, chain, spec...)
}
func (c *countingClient) InsertUnique(table, chain string, pos int, spec ...string) error {
	c.writes++
	return c.Client.InsertUnique(table, chain, pos, spec...)
}
func (c *countingClient) Delete(table, chain string, spec ...string) error {
	c.writes++
	return c.Client.Delete(table, chain, spec...)
}
func (c *countingClient) NewChain(table, chain string) error {
	c.writes++
	return c.Client.NewChain(table, chain)
}
func (c *countingClient) ClearChain(table, chain string) error {
	c.writes++
	return c.Client.ClearChain(table, chain)
}
func (c *countingClient) DeleteChain(table, chain string) error {
	c.writes++
	return c.Client.DeleteChain(table, chain)
}

// TestKiloRulesWithGoIPTables drives iptables through go-iptables, as Kilo
// does, with the same rules, in a fresh namespace whose FORWARD chain
// already holds another program's DROP, with iptables-nft and with
// iptables-legacy: the rules are there once each, prepended ones above the
// DROP, a reconcile or a second Set changes nothing, and CleanUp removes
// every rule and chain of Kilo (jumps first) and nothing else.
func TestKiloRulesWithGoIPTables(t *testing.T) {
	rules := newKiloTopology().rules()
	want4, want6 := kiloCount(t, rules)
	for _, flavour := range []string{"nft", "legacy"} {
		t.Run(flavour, func(t *testing.T) {
			bin4, bin6 := "iptables-"+flavour, "ip6tables-"+flavour
			for _, b := range []string{bin4, bin6, bin4 + "-save", bin6 + "-save"} {
				netnstest.RequireBinary(t, b)
			}
			ns := netnstest.New(t)
			ns.Exec(bin4, "-A", "FORWARD", "-j", "DROP")
			// run sets the rules with a new controller over new clients
			// inside the namespace, then calls then.
			run := func(then func(c *kilo.Controller, c4, c6 *countingClient) error) error {
				return ns.Do(func() error {
					v4, err := iptables.New(iptables.IPFamily(iptables.ProtocolIPv4), iptables.Path(mustLookPath(t, bin4)))
					if err != nil {
						return err
					}
					v6, err := iptables.New(iptables.IPFamily(iptables.ProtocolIPv6), iptables.Path(mustLookPath(t, bin6)))
					if err != nil {
						return err
					}
					c4, c6 := &countingClient{Client: v4}, &countingClient{Client: v6}
					c, err := kilo.New(kilo.WithClients(c4, c6))
					if err != nil {
						return err
					}
					if err := c.Set(kiloRuleSet(rules)); err != nil {
						return fmt.Errorf("Set: %w", err)
					}
					return then(c, c4, c6)
				})
			}
			err := run(func(c *kilo.Controller, c4, c6 *countingClient) error {
				t.Logf("Set: %d+%d changes, %d+%d reads", c4.writes, c6.writes, c4.reads, c6.reads)
				c4.writes, c6.writes, c4.reads, c6.reads = 0, 0, 0, 0
				if err := c.Reconcile(); err != nil {
					return fmt.Errorf("Reconcile: %w", err)
				}
				t.Logf("no-op reconcile: %d+%d iptables calls", c4.reads+c4.writes, c6.reads+c6.writes)
				if c4.writes+c6.writes != 0 {
					t.Errorf("a reconcile with nothing to do made %d+%d changes", c4.writes, c6.writes)
				}
				if err := c.Set(kiloRuleSet(rules)); err != nil {
					return fmt.Errorf("second Set: %w", err)
				}
				if c4.writes+c6.writes != 0 {
					t.Errorf("a second Set of the same rules made %d+%d changes", c4.writes, c6.writes)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			save4, save6 := ns.Exec(bin4+"-save"), ns.Exec(bin6+"-save")
			if n4, n6 := strings.Count(save4, "\n-A ")-1, strings.Count(save6, "\n-A "); n4 != want4 || n6 != want6 {
				t.Errorf("%s-save has %d IPv4 (besides the DROP) and %d IPv6 rules, Kilo has %d and %d", bin4, n4, n6, want4, want6)
			}
			forward := ns.Exec(bin4, "-S", "FORWARD")
			if i, j := strings.Index(forward, "Kilo: forward"), strings.Index(forward, "-A FORWARD -j DROP"); i < 0 || j < i {
				t.Errorf("prepended accepts are not above the DROP:\n%s", forward)
			}
			// A new controller owns nothing yet: Set, then CleanUp.
			err = run(func(c *kilo.Controller, _, _ *countingClient) error { return c.CleanUp() })
			if err != nil {
				t.Fatalf("CleanUp: %v", err)
			}
			if got := ns.Exec(bin4 + "-save"); strings.Contains(got, "KILO") || strings.Count(got, "\n-A ") != 1 {
				t.Errorf("after CleanUp %s-save is:\n%s", bin4, got)
			}
			if got := ns.Exec(bin6 + "-save"); strings.Contains(got, "KILO") || strings.Contains(got, "\n-A ") {
				t.Errorf("after CleanUp %s-save is:\n%s", bin6, got)
			}
		})
	}
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOwner: the tables are named after the owner: kilo by default, or
// the one given with WithOwner or through WithControllerOptions.
func TestOwner(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	for _, tc := range []struct {
		opts  []kilo.ControllerOption
		table string
	}{
		{nil, "table ip kilo-nat"},
		{[]kilo.ControllerOption{kilo.WithOwner("kilo2")}, "table ip kilo2-nat"},
		{[]kilo.ControllerOption{kilo.WithControllerOptions(controller.WithOwner("kilo3"))}, "table ip kilo3-nat"},
	} {
		c, err := kilo.New(append([]kilo.ControllerOption{kilo.WithNetNS(ns.Path)}, tc.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		var rs kilo.RuleSet
		rs.AddToAppend(kilo.NewIPv4Rule("nat", "POSTROUTING", "-s", "10.2.1.0/24", "-j", "MASQUERADE"))
		if err := c.Set(rs); err != nil {
			t.Fatal(err)
		}
		if got := ns.Exec("nft", "list", "tables"); !strings.Contains(got, tc.table+"\n") {
			t.Errorf("tables:\n%s\nwant %s", got, tc.table)
		}
		c.Close()
	}
}
