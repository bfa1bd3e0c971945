package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

var saveComments = regexp.MustCompile(`(?m)^#.*\n`)

// TestPlacementFlag: --placement filter puts the filter rules into
// iptables-nft's own FORWARD under its DROP policy, the file's -I rules
// ahead of a foreign rule and its -A rule after it, in the order
// iptables-nft-restore --noflush leaves them, and the nat rules into the
// owner's table; diff and list agree with apply; a file setting the policy
// is refused; cleanup with the same flag restores iptables-nft-save.
func TestPlacementFlag(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft-save")
	ns := netnstest.New(t)
	oracle := netnstest.New(t)
	for _, n := range []*netnstest.NS{ns, oracle} {
		n.Exec("iptables-nft", "-P", "FORWARD", "DROP")
		n.Exec("iptables-nft", "-A", "FORWARD", "-j", "DROP")
	}
	save := func() string { return saveComments.ReplaceAllString(ns.Exec("iptables-nft-save"), "") }
	before := save()
	filter := `*filter
:FORWARD ACCEPT [0:0]
-I FORWARD 1 -s 10.4.0.0/16 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT
-I FORWARD 2 -d 10.4.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -s 10.9.0.0/16 -j ACCEPT
COMMIT
`
	v4 := writeFile(t, "rules.v4", filter+`*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.4.0.0/16 -j MASQUERADE
COMMIT
`)
	place := []string{"--placement", "filter", "--backend", "nftables"}
	mustRun(t, 0, ns, "", append([]string{"apply", "-4", v4}, place...)...)
	mustRun(t, 0, ns, "", append([]string{"diff", "-4", v4}, place...)...)
	// The oracle: iptables-nft-restore --noflush of the filter part next
	// to the same foreign rule.
	oracle.Exec("iptables-nft-restore", "--noflush", writeFile(t, "filter.v4", filter))
	got, want := save(), forwardRules(oracle.Exec("iptables-nft-save"))
	if forwardRules(got) != want || !strings.Contains(want, "-j DROP\n-A FORWARD -s 10.9.0.0/16") || !strings.Contains(got, ":FORWARD DROP") {
		t.Errorf("iptables-nft-save:\n%s\nwant FORWARD as iptables-nft-restore --noflush leaves it:\n%s", got, want)
	}
	if tables := ns.Exec("nft", "list", "tables"); !strings.Contains(tables, "ip test-nat") || strings.Contains(tables, "test-filter") {
		t.Errorf("tables:\n%s", tables)
	}
	listed := writeFile(t, "listed.v4", mustRun(t, 0, ns, "", append([]string{"list"}, place...)...).stdout)
	mustRun(t, 0, ns, "", append([]string{"diff", "-4", listed}, place...)...)

	drop := writeFile(t, "drop.v4", "*filter\n:FORWARD DROP [0:0]\nCOMMIT\n")
	if r := nftsync(t, ns, "", append([]string{"apply", "-4", drop}, place...)...); r.code != 1 || !strings.Contains(r.stderr, "policies") {
		t.Errorf("a placed policy: %s", r)
	}
	mustRun(t, 0, ns, "", append([]string{"cleanup"}, place...)...)
	if got := save(); got != before {
		t.Errorf("after cleanup iptables-nft-save is\n%s\nwas\n%s", got, before)
	}
}

// forwardRules returns the "-A FORWARD" lines of iptables-save output.
func forwardRules(save string) string {
	var out []string
	for _, l := range strings.Split(save, "\n") {
		if strings.HasPrefix(l, "-A FORWARD ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAutoPlacementFlag: a -j TTL rule goes into iptables-nft's mangle
// without any flag, and cleanup (without one either) removes it;
// --placement none and --auto-placement=false refuse it, and none cannot
// be combined with tables.
func TestAutoPlacementFlag(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft-save")
	ns := netnstest.New(t)
	v4 := writeFile(t, "rules.v4", "*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -p udp -j TTL --ttl-set 7\nCOMMIT\n")
	for _, off := range [][]string{{"--placement", "none"}, {"--auto-placement=false"}} {
		if r := nftsync(t, ns, "", append([]string{"apply", "--backend", "nftables", "-4", v4}, off...)...); r.code != 1 || !strings.Contains(r.stderr, "only through placement") {
			t.Errorf("%v: %s", off, r)
		}
	}
	if r := nftsync(t, ns, "", "apply", "--backend", "nftables", "--placement", "none,filter", "-4", v4); r.code == 0 || !strings.Contains(r.stderr, "--placement none") {
		t.Errorf("--placement none,filter: %s", r)
	}
	mustRun(t, 0, ns, "", "apply", "--backend", "nftables", "-4", v4)
	if got := ns.Exec("iptables-nft-save", "-t", "mangle"); !strings.Contains(got, "-A POSTROUTING -p udp -j TTL --ttl-set 7\n") {
		t.Errorf("iptables-nft-save:\n%s", got)
	}
	mustRun(t, 0, ns, "", "diff", "--backend", "nftables", "-4", v4)
	mustRun(t, 0, ns, "", "cleanup", "--backend", "nftables")
	if got := strings.TrimSpace(ns.Exec("nft", "list", "ruleset")); got != "" {
		t.Errorf("after cleanup:\n%s", got)
	}
}

// TestListHead: after a file's -I rules went ahead of a foreign FORWARD
// rule, list prints them as "-I FORWARD N" (with --placement filter and
// with the iptables engine, both flavours); diff of the listing reports
// nothing, and applying the listing on a second fresh host with the same
// foreign rule gives the same FORWARD as on the first.
func TestListHead(t *testing.T) {
	file := `*filter
:FORWARD ACCEPT [0:0]
-I FORWARD 1 -s 10.4.0.0/16 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT
-I FORWARD 2 -d 10.4.0.0/16 -j ACCEPT
-A FORWARD -s 10.9.0.0/16 -j ACCEPT
COMMIT
`
	for _, e := range []struct{ name, tool string }{
		{"placement", "iptables-nft"}, {"iptables-nft", "iptables-nft"}, {"iptables-legacy", "iptables-legacy"},
	} {
		t.Run(e.name, func(t *testing.T) {
			netnstest.RequireBinary(t, e.tool+"-save")
			engine := func() []string {
				if e.name == "placement" {
					return []string{"--placement", "filter", "--backend", "nftables"}
				}
				return []string{"--backend", e.name, "--state-dir", t.TempDir()}
			}
			first, second := netnstest.New(t), netnstest.New(t)
			forward := func(ns *netnstest.NS) string { return forwardRules(ns.Exec(e.tool+"-save", "-t", "filter")) }
			for _, ns := range []*netnstest.NS{first, second} {
				ns.Exec(e.tool, "-A", "FORWARD", "-s", "1.1.1.1", "-j", "DROP")
			}
			on := engine()
			mustRun(t, 0, first, "", append([]string{"apply", "-4", writeFile(t, "rules.v4", file)}, on...)...)
			listing := mustRun(t, 0, first, "", append([]string{"list"}, on...)...).stdout
			for _, want := range []string{
				"\n-I FORWARD 1 -s 10.4.0.0/16 -m comment --comment \"Kilo: forward packets from the pod subnet\" -j ACCEPT\n",
				"\n-I FORWARD 2 -d 10.4.0.0/16 -j ACCEPT\n",
				"\n-A FORWARD -s 10.9.0.0/16 -j ACCEPT\n",
			} {
				if !strings.Contains(listing, want) {
					t.Errorf("list lacks %q:\n%s", strings.TrimSpace(want), listing)
				}
			}
			var doc jsonDoc
			if err := json.Unmarshal([]byte(mustRun(t, 0, first, "", append([]string{"list", "--output", "json"}, on...)...).stdout), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Chains == nil || len(*doc.Chains) != 1 || (*doc.Chains)[0].Prepended != 2 || len((*doc.Chains)[0].Rules) != 3 {
				t.Errorf("list --output json: %+v, want FORWARD with 3 rules, 2 prepended", doc.Chains)
			}
			listed := writeFile(t, "listed.v4", listing)
			mustRun(t, 0, first, "", append([]string{"diff", "-4", listed}, on...)...)
			mustRun(t, 0, second, "", append([]string{"apply", "-4", listed}, engine()...)...)
			f1, f2 := forward(first), forward(second)
			if f1 != f2 || !strings.Contains(f1, "-j ACCEPT\n-A FORWARD -s 1.1.1.1/32 -j DROP\n-A FORWARD -s 10.9.0.0/16") {
				t.Errorf("FORWARD on the first host:\n%s\non the second, from the listing:\n%s", f1, f2)
			}
		})
	}
}
