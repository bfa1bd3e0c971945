package controller

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestEngineClientAddressLists checks Kilo's per-rule API with -s a,b: Add
// appends one rule per address, Exists needs them all, Delete removes them
// all or, when one is missing, nothing (as iptables -C and -D).
func TestEngineClientAddressLists(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	c, err := NewClient(ProtocolIPv4, WithNetNS(ns.Path), WithOwner("lists"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	both := NewIPv4Rule("filter", "FORWARD", "-s", "10.0.0.1,10.0.0.2", "-j", "ACCEPT")
	if err := both.Add(c); err != nil {
		t.Fatal(err)
	}
	if err := both.Add(c); err != nil {
		t.Fatal(err)
	}
	lines, err := c.List("filter", "FORWARD")
	want := []string{"-P FORWARD ACCEPT", "-A FORWARD -s 10.0.0.1/32 -j ACCEPT", "-A FORWARD -s 10.0.0.2/32 -j ACCEPT"}
	if err != nil || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("List = %q, %v; want %q", lines, err, want)
	}
	if ok, err := NewIPv4Rule("filter", "FORWARD", "-s", "10.0.0.2,10.0.0.3", "-j", "ACCEPT").Exists(c); err != nil || ok {
		t.Errorf("Exists with one rule missing = %v, %v", ok, err)
	}
	if ok, err := both.Exists(c); err != nil || !ok {
		t.Errorf("Exists = %v, %v", ok, err)
	}
	if err := c.Delete("filter", "FORWARD", "-s", "10.0.0.2,10.0.0.3", "-j", "ACCEPT"); err == nil {
		t.Error("Delete with one rule missing succeeded")
	}
	if n := strings.Count(ns.Exec("nft", "list", "chain", "ip", "lists-filter", "FORWARD"), "counter"); n != 2 {
		t.Errorf("a failed Delete changed the chain: %d rules", n)
	}
	if err := both.Delete(c); err != nil {
		t.Fatal(err)
	}
	if out := ns.Exec("nft", "list", "chain", "ip", "lists-filter", "FORWARD"); strings.Contains(out, "counter") {
		t.Errorf("rules left after Delete:\n%s", out)
	}
}
