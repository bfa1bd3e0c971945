package compat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestHeadAsInsertAppend: in a built-in chain shared with foreign rules, a
// chain's prepended rules (Head) end up where `iptables -I FORWARD 1` puts
// them and its appended ones where `iptables -A FORWARD` puts them. The
// oracle is those very commands, run on the same foreign rules in a second
// namespace. A foreign rule appended later stays after the owned ones.
func TestHeadAsInsertAppend(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		oracle := netnstest.New(t)
		foreignFwd := func(args ...string) {
			for _, n := range []*netnstest.NS{ns, oracle} {
				ipt(t, n, mode, rule.IPv4, args...)
			}
		}
		foreignFwd("-N", "DOCKER-USER")
		foreignFwd("-A", "FORWARD", "-j", "DOCKER-USER")
		foreignFwd("-A", "FORWARD", "-s", "1.1.1.1/32", "-j", "DROP")

		pre := []string{`-s 10.4.0.0/16 -j ACCEPT`}
		app := []string{`-d 10.4.0.0/16 -j ACCEPT`, `-i kilo0 -j DROP`}
		fwd := chain(t, rule.IPv4, "filter", "FORWARD", append(append([]string(nil), pre...), app...)...)
		fwd.Head = len(pre)
		rs := &firewall.Ruleset{Chains: []*firewall.Chain{fwd}}
		for i := len(pre) - 1; i >= 0; i-- { // the last -I 1 ends up first
			ipt(t, oracle, mode, rule.IPv4, append([]string{"-I", "FORWARD", "1"}, strings.Fields(pre[i])...)...)
		}
		for _, r := range app {
			ipt(t, oracle, mode, rule.IPv4, append([]string{"-A", "FORWARD"}, strings.Fields(r)...)...)
		}
		same := func(step string) {
			t.Helper()
			got := saved(t, ns, mode, rule.IPv4, "filter", "FORWARD")
			if want := saved(t, oracle, mode, rule.IPv4, "filter", "FORWARD"); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: FORWARD is\n%s\nwant, as iptables -I/-A leave it,\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}

		b := newBackend(t, ns, mode)
		apply(t, b, rs)
		same("first Apply")
		if p := apply(t, b, rs); !p.Empty() {
			t.Errorf("second Apply changed:\n%s", p)
		}

		foreignFwd("-A", "FORWARD", "-s", "2.2.2.2/32", "-j", "DROP")
		same("foreign rule appended")
		if p := apply(t, b, rs); !p.Empty() {
			t.Errorf("Apply after a foreign rule was appended changed:\n%s", p)
		}
		same("Apply after a foreign rule was appended")
	})
}
