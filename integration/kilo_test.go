package integration

import (
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/kilo/iptables"
)

// counters matches the packet and byte counts iptables-save prints.
var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// TestKiloClientsForwardDrop: today's Kilo API over go-iptables clients
// (WithClients), on a router whose iptables FORWARD has policy DROP and
// another program's DROP rule, with iptables-nft and with iptables-legacy.
// Kilo's prepended FORWARD accepts go above the DROP rule, so with its NAT
// rules the client reaches the server (masqueraded); a flushed FORWARD is
// repaired by a reconcile; CleanUp gives back the tables exactly as they
// were (counters and the empty nat table aside).
func TestKiloClientsForwardDrop(t *testing.T) {
	for _, flavour := range []string{"nft", "legacy"} {
		t.Run(flavour, func(t *testing.T) {
			// Blocked probes wait out their timeout; each flavour has
			// namespaces of its own.
			t.Parallel()
			bin := map[bool]string{false: "iptables-" + flavour, true: "ip6tables-" + flavour}
			for _, b := range bin {
				netnstest.RequireBinary(t, b)
				netnstest.RequireBinary(t, b+"-save")
			}
			n := newNetwork(t)
			// saved is both families' iptables-save without comments,
			// counters and tables that hold nothing (iptables creates
			// the nat table on first use and does not remove it).
			saved := func() string {
				var b strings.Builder
				for _, v6 := range []bool{false, true} {
					var table []string
					for _, l := range strings.Split(n.Router.Exec(bin[v6]+"-save"), "\n") {
						if strings.HasPrefix(l, "#") || l == "" {
							continue
						}
						table = append(table, counters.ReplaceAllString(l, "[0:0]"))
						if l == "COMMIT" {
							if !allEmptyTables(table) {
								b.WriteString(strings.Join(table, "\n") + "\n")
							}
							table = nil
						}
					}
				}
				return b.String()
			}
			for _, v6 := range []bool{false, true} {
				n.Router.Exec(bin[v6], "-P", "FORWARD", "DROP")
				n.Router.Exec(bin[v6], "-A", "FORWARD", "-j", "DROP")
			}
			before := saved()
			n.expect(t, "tcp", n.V4.Server, netip.Addr{})

			var rs iptables.RuleSet
			for _, v6 := range []bool{false, true} {
				a, p := n.Family(v6), iptables.ProtocolIPv4
				if v6 {
					p = iptables.ProtocolIPv6
				}
				cidr := a.ClientNet.String()
				rs.AddToAppend(newChain(p, "nat", "KILO-NAT"))
				rs.AddToPrepend(iptables.NewRule(p, "nat", "POSTROUTING", "-s", cidr, "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"))
				rs.AddToPrepend(iptables.NewRule(p, "filter", "FORWARD", "-m", "comment", "--comment", "Kilo: forward packets from the pod subnet", "-s", cidr, "-j", "ACCEPT"))
				rs.AddToPrepend(iptables.NewRule(p, "filter", "FORWARD", "-m", "comment", "--comment", "Kilo: forward packets to the pod subnet", "-d", cidr, "-j", "ACCEPT"))
				rs.AddToAppend(iptables.NewRule(p, "nat", "KILO-NAT", "-m", "comment", "--comment", "Kilo: NAT remaining packets", "-j", "MASQUERADE"))
			}
			// go-iptables runs iptables processes: every call that can
			// reach it runs on a thread inside the router's namespace.
			var c *iptables.Controller
			inRouter := func(what string, fn func() error) {
				t.Helper()
				if err := n.Router.Do(fn); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			inRouter("New", func() error {
				var clients [2]iptables.Client
				for i, v6 := range []bool{false, true} {
					path, err := exec.LookPath(bin[v6])
					if err != nil {
						return err
					}
					fam := goipt.ProtocolIPv4
					if v6 {
						fam = goipt.ProtocolIPv6
					}
					if clients[i], err = goipt.New(goipt.IPFamily(fam), goipt.Path(path)); err != nil {
						return err
					}
				}
				var err error
				c, err = iptables.New(iptables.WithClients(clients[0], clients[1]))
				return err
			})
			inRouter("Set", func() error { return c.Set(rs) })
			pass := func(when string) {
				t.Helper()
				for _, v6 := range []bool{false, true} {
					a := n.Family(v6)
					n.expect(t, "tcp", a.Server, a.RouterOut)
				}
				if t.Failed() {
					t.Fatalf("%s; router:\n%s", when, saved())
				}
			}
			pass("after Set")

			for _, v6 := range []bool{false, true} {
				n.Router.Exec(bin[v6], "-F", "FORWARD")
			}
			n.expect(t, "tcp", n.V4.Server, netip.Addr{})
			inRouter("Reconcile", c.Reconcile)
			pass("after the reconcile of a flushed FORWARD")

			inRouter("CleanUp", c.CleanUp)
			// The flush took the other program's DROP rule too; put it
			// back to compare with the tables from before.
			for _, v6 := range []bool{false, true} {
				n.Router.Exec(bin[v6], "-A", "FORWARD", "-j", "DROP")
			}
			if after := saved(); after != before {
				t.Errorf("after CleanUp the tables differ from before Set:\n%s\n--- before:\n%s", after, before)
			}
		})
	}
}

func newChain(p iptables.Protocol, table, name string) iptables.Rule {
	if p == iptables.ProtocolIPv6 {
		return iptables.NewIPv6Chain(table, name)
	}
	return iptables.NewIPv4Chain(table, name)
}
