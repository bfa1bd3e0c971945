package integration

import (
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// Placement with packets: a router whose iptables FORWARD has policy DROP
// and a foreign DROP rule (as Docker leaves it), and Kilo's rules: FORWARD
// accepts from and to the pod network, prepended, and NAT of the pods'
// traffic through a user chain. With WithPlacement("filter") the accepts
// live in iptables' own FORWARD, ahead of the foreign DROP, and the pod
// reaches the outside.

// placedKiloRules are Kilo's rules for the client network (the pods), in both
// families: the FORWARD accepts prepended (Kilo's AddToPrepend), the rest
// appended.
func placedKiloRules() (pre, app []controller.Rule) {
	for _, a := range []netnstest.Addrs{netnstest.TopoV4, netnstest.TopoV6} {
		p := controller.ProtocolIPv4
		if a.Client.Is6() {
			p = controller.ProtocolIPv6
		}
		pods := a.ClientNet.String()
		pre = append(pre,
			controller.NewRule(p, "filter", "FORWARD", "-m", "comment", "--comment", "Kilo: forward packets from the pod subnet", "-s", pods, "-j", "ACCEPT"),
			controller.NewRule(p, "filter", "FORWARD", "-m", "comment", "--comment", "Kilo: forward packets to the pod subnet", "-d", pods, "-j", "ACCEPT"),
		)
		app = append(app,
			natChain(p, "KILO-NAT"),
			controller.NewRule(p, "nat", "POSTROUTING", "-s", pods, "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"),
			controller.NewRule(p, "nat", "KILO-NAT", "-m", "comment", "--comment", "Kilo: NAT remaining packets", "-j", "MASQUERADE"),
		)
	}
	return pre, app
}

var (
	saveDates    = regexp.MustCompile(`(?m)^# .*\n`)
	saveCounters = regexp.MustCompile(`\[\d+:\d+\]`)
)

// iptSave is MODE's iptables-save and ip6tables-save without the comment
// lines and counters; it fails the test when iptables cannot read a table.
func iptSave(t *testing.T, ns *netnstest.NS, mode string) string {
	t.Helper()
	out := ns.Exec("iptables-"+mode+"-save") + ns.Exec("ip6tables-"+mode+"-save")
	if strings.Contains(out, "incompatible") {
		t.Fatalf("iptables-%s-save cannot read the tables:\n%s", mode, out)
	}
	return saveCounters.ReplaceAllString(saveDates.ReplaceAllString(out, ""), "[0:0]")
}

// TestPlacementForwardPolicyDrop runs the scenario with iptables-nft (the
// nftables engine places the accepts natively; and the NAT too, as
// iptables-nft's MASQUERADE in its nat table) and iptables-legacy (auto
// picks the iptables engine, which keeps rules in iptables' own chains):
// the pods reach the outside, masqueraded; iptables-save reads our rules
// cleanly, ahead of the foreign DROP; a flushed FORWARD is repaired by
// Reconcile; CleanUp restores iptables-save exactly.
func TestPlacementForwardPolicyDrop(t *testing.T) {
	for _, tc := range []struct {
		name, mode, backend, engine string
		placed                      []string
	}{
		{"nft", "nft", controller.BackendNFTables, "nftables", []string{"filter"}},
		{"nft-nat-placed", "nft", controller.BackendNFTables, "nftables", []string{"filter", "nat"}},
		{"legacy", "legacy", controller.BackendAuto, "iptables", []string{"filter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, b := range []string{"iptables-" + tc.mode, "ip6tables-" + tc.mode, "iptables-" + tc.mode + "-save"} {
				netnstest.RequireBinary(t, b)
			}
			n := newNetwork(t)
			for _, v6 := range []string{"iptables-", "ip6tables-"} {
				n.Router.Exec(v6+tc.mode, "-P", "FORWARD", "DROP")
				n.Router.Exec(v6+tc.mode, "-A", "FORWARD", "-j", "DROP")
				if tc.mode == "legacy" {
					// A legacy table, once there, stays: make nat
					// exist before, as the rules need it.
					n.Router.Exec(v6+tc.mode, "-t", "nat", "-S")
				}
			}
			before := iptSave(t, n.Router, tc.mode)
			n.expect(t, "tcp", n.V4.Server, blocked.want(n.V4))

			ctl, err := controller.New(controller.WithNetNS(n.Router.Path), controller.WithBackend(tc.backend),
				controller.WithOwner(owner), controller.WithStateDir(t.TempDir()), controller.WithPlacement(tc.placed...),
				controller.WithLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			defer ctl.Close()
			if ctl.Backend() != tc.engine {
				t.Fatalf("engine %s, want %s", ctl.Backend(), tc.engine)
			}
			if err := ctl.SetPlaced(placedKiloRules()); err != nil {
				t.Fatal(err)
			}
			n.expectAll(t, fromRouter)
			// Read again with live counters (the ruleset changed
			// elsewhere): nothing to do.
			n.Router.NFT("add table ip unrelated\ndelete table ip unrelated")
			rs, err := controller.DesiredPlaced(placedKiloRules())
			if err != nil {
				t.Fatal(err)
			}
			if p, err := ctl.PlanRuleset(rs); err != nil || !p.Empty() {
				t.Errorf("plan after traffic: %v %v", p, err)
			}
			in := iptSave(t, n.Router, tc.mode)
			for _, want := range []string{
				":FORWARD DROP",
				// The last prepended rule first, as iptables -I 1 leaves them.
				"-A FORWARD -d " + n.V4.ClientNet.String() + ` -m comment --comment "Kilo: forward packets to the pod subnet" -j ACCEPT` + "\n" +
					"-A FORWARD -s " + n.V4.ClientNet.String() + ` -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT` + "\n" +
					"-A FORWARD -j DROP\n",
			} {
				if !strings.Contains(in, want) {
					t.Errorf("iptables-%s-save lacks\n%s\nin\n%s", tc.mode, want, in)
				}
			}

			if masq := `-A KILO-NAT -m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`; len(tc.placed) > 1 && strings.Count(in, masq) != 2 {
				t.Errorf("iptables-%s-save lacks the placed NAT in both families:\n%s", tc.mode, in)
			}
			for _, v6 := range []string{"iptables-", "ip6tables-"} {
				n.Router.Exec(v6+tc.mode, "-F", "FORWARD")
			}
			if err := ctl.Reconcile(); err != nil {
				t.Fatal(err)
			}
			n.expectAll(t, fromRouter)
			for _, v6 := range []string{"iptables-", "ip6tables-"} {
				n.Router.Exec(v6+tc.mode, "-A", "FORWARD", "-j", "DROP")
			}
			if got := iptSave(t, n.Router, tc.mode); got != in {
				t.Errorf("after the repair iptables-%s-save is\n%s\nwas\n%s", tc.mode, got, in)
			}
			if err := ctl.CleanUp(); err != nil {
				t.Fatal(err)
			}
			if got := iptSave(t, n.Router, tc.mode); got != before {
				t.Errorf("CleanUp left iptables-%s-save\n%s\nwas\n%s", tc.mode, got, before)
			}
			if tc.engine == "nftables" {
				if out := n.Router.Exec("nft", "list", "tables"); strings.Contains(out, owner+"-") || len(tc.placed) > 1 && strings.Contains(out, "nat") {
					t.Errorf("CleanUp left tables:\n%s", out)
				}
			}
		})
	}
}

// TestPlacementRefusedOnLegacy: the nftables engine chosen explicitly
// with placement on a host whose iptables is legacy is refused, with the
// reason.
func TestPlacementRefusedOnLegacy(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	ns := netnstest.New(t)
	ns.Exec("iptables-legacy", "-P", "FORWARD", "DROP")
	ns.Exec("iptables-legacy", "-A", "FORWARD", "-j", "DROP")
	_, err := controller.New(controller.WithNetNS(ns.Path), controller.WithBackend(controller.BackendNFTables),
		controller.WithOwner(owner), controller.WithPlacement("filter"))
	if err == nil || !strings.Contains(err.Error(), "legacy") {
		t.Fatalf("controller.New = %v, want a refusal naming legacy", err)
	}
	t.Log(err)
}

// TestPlacementAppendAfterForeign: rules Set appends (iptables -A) go after
// other programs' rules in a shared built-in chain, prepended ones
// (SetPlaced) before them, as iptables -A and -I leave them. A foreign
// `-p udp -j DROP` in FORWARD (policy DROP) stops UDP before the appended
// accepts and not before the prepended ones; the same rules written with
// iptables itself (the oracle) let the same packets through. With
// iptables-nft the nftables engine places them, with iptables-legacy auto
// picks the iptables engine.
func TestPlacementAppendAfterForeign(t *testing.T) {
	accepts := func(p controller.Protocol, a netnstest.Addrs) [][]string {
		return [][]string{{"-s", a.ClientNet.String(), "-j", "ACCEPT"}, {"-d", a.ClientNet.String(), "-j", "ACCEPT"}}
	}
	for _, mode := range []string{"nft", "legacy"} {
		for _, prepended := range []bool{false, true} {
			name := mode + "/appended"
			want := map[string]outcome{"tcp": fromClient, "udp": blocked}
			if prepended {
				name = mode + "/prepended"
				want["udp"] = fromClient
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				for _, b := range []string{"iptables-" + mode, "ip6tables-" + mode} {
					netnstest.RequireBinary(t, b)
				}
				for _, oracle := range []bool{true, false} {
					n := newNetwork(t)
					var rules []controller.Rule
					for _, v6 := range []string{"iptables-", "ip6tables-"} {
						n.Router.Exec(v6+mode, "-P", "FORWARD", "DROP")
						n.Router.Exec(v6+mode, "-A", "FORWARD", "-p", "udp", "-j", "DROP")
						p, a := controller.ProtocolIPv4, netnstest.TopoV4
						if v6 == "ip6tables-" {
							p, a = controller.ProtocolIPv6, netnstest.TopoV6
						}
						for _, spec := range accepts(p, a) {
							if oracle {
								op := "-A"
								if prepended {
									op = "-I"
								}
								n.Router.Exec(v6+mode, append([]string{op, "FORWARD"}, spec...)...)
							}
							rules = append(rules, controller.NewRule(p, "filter", "FORWARD", spec...))
						}
					}
					if !oracle {
						ctl, err := controller.New(controller.WithNetNS(n.Router.Path), controller.WithBackend(controller.BackendAuto),
							controller.WithOwner(owner), controller.WithStateDir(t.TempDir()), controller.WithPlacement("filter"))
						if err != nil {
							t.Fatal(err)
						}
						defer ctl.Close()
						if prepended {
							err = ctl.SetPlaced(rules, nil)
						} else {
							err = ctl.Set(rules)
						}
						if err != nil {
							t.Fatal(err)
						}
					}
					for _, v6 := range []bool{false, true} {
						a := n.Family(v6)
						for _, proto := range []string{"tcp", "udp"} {
							n.expect(t, proto, a.Server, want[proto].want(a))
						}
					}
				}
			})
		}
	}
}
