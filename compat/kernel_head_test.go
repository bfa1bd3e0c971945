package compat

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/listingtest"
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

// TestHeadListed: in a FORWARD shared with a foreign rule, Read reports the
// owned rules ahead of it as prepended (Head), so that the listing
// (iptsave.Write) fed back plans nothing and moves nothing, and applied on
// a second fresh host with the same foreign rule gives the same FORWARD as
// on the first. Without the foreign rule, Head is 0.
func TestHeadListed(t *testing.T) {
	forModes(t, func(t *testing.T, ns *netnstest.NS, mode string) {
		other := netnstest.New(t)
		for _, n := range []*netnstest.NS{ns, other} {
			ipt(t, n, mode, rule.IPv4, "-A", "FORWARD", "-s", "1.1.1.1/32", "-j", "DROP")
		}
		fwd := chain(t, rule.IPv4, "filter", "FORWARD",
			`-s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT`, `-d 10.4.0.0/16 -j ACCEPT`, `-i kilo0 -j DROP`)
		fwd.Head = 1
		b := newBackend(t, ns, mode)
		apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{fwd}})

		read := func() (*firewall.Ruleset, *firewall.Chain) {
			t.Helper()
			rs, err := b.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_ = b.Close()
			c := rs.Chain(rule.IPv4, "filter", "FORWARD")
			if c == nil {
				t.Fatalf("Read has no FORWARD: %+v", rs.Chains)
			}
			return rs, c
		}
		got, c := read()
		if c.Head != 1 || !reflect.DeepEqual(chainKeys(c), chainKeys(fwd)) {
			t.Errorf("Read: FORWARD with Head %d\n%s\nwant Head 1\n%s", c.Head,
				strings.Join(chainKeys(c), "\n"), strings.Join(chainKeys(fwd), "\n"))
		}
		listed := listingtest.HeadListing(t, got)
		before := saved(t, ns, mode, rule.IPv4, "filter", "FORWARD")
		if p := apply(t, b, listed); !p.Empty() {
			t.Errorf("the listing fed back changed:\n%s", p)
		}
		if after := saved(t, ns, mode, rule.IPv4, "filter", "FORWARD"); !reflect.DeepEqual(after, before) {
			t.Errorf("the listing fed back moved rules:\n%s\nwas\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
		}

		apply(t, newBackend(t, other, mode), listed)
		want := []string{`-s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT`, `-s 1.1.1.1/32 -j DROP`, `-d 10.4.0.0/16 -j ACCEPT`, `-i kilo0 -j DROP`}
		for _, n := range []*netnstest.NS{ns, other} {
			if got := saved(t, n, mode, rule.IPv4, "filter", "FORWARD"); !reflect.DeepEqual(keys(t, rule.IPv4, got), keys(t, rule.IPv4, want)) {
				t.Errorf("FORWARD in %s (the second from the listing):\n%s\nwant\n%s", n, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}

		ipt(t, ns, mode, rule.IPv4, "-D", "FORWARD", "-s", "1.1.1.1/32", "-j", "DROP")
		if _, c := read(); c.Head != 0 {
			t.Errorf("with no foreign rule left, Head %d, want 0", c.Head)
		}
	})
}
