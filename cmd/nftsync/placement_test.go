package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

var saveComments = regexp.MustCompile(`(?m)^#.*\n`)

// TestPlacementFlag: --placement filter puts the filter rules into
// iptables-nft's own FORWARD, ahead of a foreign rule and under its DROP
// policy, and the nat rules into the owner's table; diff and list agree
// with apply; a file setting the policy is refused; cleanup with the same
// flag restores iptables-nft-save.
func TestPlacementFlag(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft-save")
	ns := netnstest.New(t)
	ns.Exec("iptables-nft", "-P", "FORWARD", "DROP")
	ns.Exec("iptables-nft", "-A", "FORWARD", "-j", "DROP")
	save := func() string { return saveComments.ReplaceAllString(ns.Exec("iptables-nft-save"), "") }
	before := save()
	v4 := writeFile(t, "rules.v4", `*filter
:FORWARD ACCEPT [0:0]
-A FORWARD -s 10.4.0.0/16 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT
-A FORWARD -d 10.4.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.4.0.0/16 -j MASQUERADE
COMMIT
`)
	place := []string{"--placement", "filter", "--backend", "nftables"}
	mustRun(t, 0, ns, "", append([]string{"apply", "-4", v4}, place...)...)
	mustRun(t, 0, ns, "", append([]string{"diff", "-4", v4}, place...)...)
	want := `-A FORWARD -s 10.4.0.0/16 -m comment --comment "Kilo: forward packets from the pod subnet" -j ACCEPT
-A FORWARD -d 10.4.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -j DROP
`
	if got := save(); !strings.Contains(got, want) || !strings.Contains(got, ":FORWARD DROP") {
		t.Errorf("iptables-nft-save:\n%s\nwant\n%s", got, want)
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
