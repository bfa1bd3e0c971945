package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// badCase is a rule that must make Set fail without changing anything.
type badCase struct {
	name string
	rule controller.Rule
	// kernel marks rules that pass validation (controller.Desired) and
	// are refused by the kernel (or iptables) when the batch is sent.
	kernel bool
}

var badCases = []badCase{
	{name: "bad address", rule: controller.NewIPv4Rule("filter", "FORWARD", "-s", "10.300.0.1", "-j", "DROP")},
	{name: "IPv6 address in an IPv4 rule", rule: controller.NewIPv4Rule("filter", "FORWARD", "-d", "fd00:200:2::2", "-j", "DROP")},
	{name: "unknown option", rule: controller.NewIPv4Rule("filter", "FORWARD", "--frobnicate", "1", "-j", "DROP")},
	{name: "unknown match", rule: controller.NewIPv6Rule("filter", "FORWARD", "-m", "nosuchmatch", "-j", "DROP")},
	{name: "unknown table", rule: controller.NewIPv4Rule("fliter", "FORWARD", "-j", "DROP")},
	{name: "jump to a chain of another table", rule: controller.NewIPv4Rule("filter", "FORWARD", "-j", "KILO-NAT")},
	{name: "jump to an undeclared chain", rule: controller.NewIPv6Rule("nat", "POSTROUTING", "-j", "KILO-NOPE")},
	{name: "MASQUERADE in filter FORWARD", rule: controller.NewIPv4Rule("filter", "FORWARD", "-s", "10.200.1.0/24", "-j", "MASQUERADE"), kernel: true},
	{name: "MASQUERADE in nat PREROUTING", rule: controller.NewIPv6Rule("nat", "PREROUTING", "-s", "fd00:200:1::/64", "-j", "MASQUERADE"), kernel: true},
}

// TestBadInput installs a valid state, then Sets a list that changes it in
// several tables and holds one bad rule among good ones. Set must fail,
// name the bad rule, and leave the kernel byte-identical (nft list ruleset,
// and the backend's own listing); Reconcile then still keeps the old state.
func TestBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		for _, bc := range badCases {
			t.Run(bc.name, func(t *testing.T) {
				ns := netnstest.New(t)
				f := newFixture(t, backend, ns)
				good := kiloBoth()
				f.set(t, good)
				wantKeys := desiredKeys(t, good)
				ruleset := ns.Exec("nft", "list", "ruleset")
				listing := f.listing(t)

				// Changes in every table and family, new chains, and
				// the bad rule in the middle.
				list := append([]controller.Rule{
					controller.NewIPv4Rule("filter", "FORWARD", "-s", "10.200.7.0/24", "-j", "DROP"),
					controller.NewIPv6Chain("filter", "KILO-NEW"),
					controller.NewIPv6Rule("filter", "KILO-NEW", "-j", "RETURN"),
				}, good[2:]...)
				list = append(list, bc.rule, controller.NewIPv4Rule("nat", "POSTROUTING", "-d", "10.200.8.0/24", "-j", "RETURN"))

				_, derr := controller.Desired(list)
				if bc.kernel && derr != nil {
					t.Fatalf("the case must pass validation and reach the backend, but Desired says: %v", derr)
				}
				if !bc.kernel && derr == nil {
					t.Fatalf("the case must fail validation, but Desired accepted it")
				}

				err := f.ctl.Set(list)
				if err == nil {
					t.Fatalf("Set with %q succeeded; kernel now:\n%s", bc.rule, ns.Exec("nft", "list", "ruleset"))
				}
				if !strings.Contains(err.Error(), bc.rule.String()) {
					t.Errorf("Set error does not name the rule %q: %v", bc.rule, err)
				}
				var re *firewall.RuleError
				if bc.kernel && (!errors.As(err, &re) || re.Rule != bc.rule.String()) {
					t.Errorf("Set error is not a *firewall.RuleError for %q: %v (%#v)", bc.rule, err, re)
				}
				t.Logf("Set error: %v", err)
				if now := ns.Exec("nft", "list", "ruleset"); now != ruleset {
					t.Errorf("the failed Set changed the ruleset:%s\nbefore:\n%s\nafter:\n%s", lineDiff(ruleset, now), ruleset, now)
				}
				if now := f.listing(t); now != listing {
					t.Errorf("the failed Set changed the %s listing:%s", backend, lineDiff(listing, now))
				}
				f.assertKeys(t, "after the failed Set", wantKeys)

				if err := f.ctl.Reconcile(); err != nil {
					t.Fatalf("Reconcile after the failed Set: %v", err)
				}
				f.assertKeys(t, "after Reconcile", wantKeys)
				if now := f.listing(t); now != listing {
					t.Errorf("Reconcile after the failed Set changed the listing:%s", lineDiff(listing, now))
				}
			})
		}
	})
}
