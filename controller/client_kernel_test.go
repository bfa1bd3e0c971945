package controller

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestEngineClientOnNFTables drives Kilo's per-rule API (rule.Add(client),
// chain.Exists(client), …) through the nftables-backed Client in a fresh
// namespace and checks the kernel after each step.
func TestEngineClientOnNFTables(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	c, err := NewClient(ProtocolIPv4, WithNetNS(ns.Path), WithOwner("kiloc"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chain := NewIPv4Chain("nat", "KILO-NAT")
	jump := NewIPv4Rule("nat", "POSTROUTING", "-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: jump", "-j", "KILO-NAT")
	masq := NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE")

	if ok, err := chain.Exists(c); err != nil || ok {
		t.Fatalf("chain exists before Add: %v, %v", ok, err)
	}
	for _, r := range []Rule{chain, masq, jump} {
		if err := r.Add(c); err != nil {
			t.Fatalf("%s: Add: %v", r, err)
		}
	}
	// Add is AppendUnique: adding again, even spelled differently, is a no-op.
	if err := NewIPv4Rule("nat", "POSTROUTING", "-m", "comment", "--comment", "Kilo: jump", "-s", "10.4.0.0/255.255.0.0", "-j", "KILO-NAT").Add(c); err != nil {
		t.Fatal(err)
	}
	listing := ns.Exec("nft", "list", "table", "ip", "kiloc-nat")
	for _, want := range []string{"chain KILO-NAT", "masquerade", `ip saddr 10.4.0.0/16 counter packets 0 bytes 0 jump KILO-NAT comment "Kilo: jump"`} {
		if !strings.Contains(listing, want) {
			t.Errorf("kernel lacks %q:\n%s", want, listing)
		}
	}
	if n := strings.Count(listing, "jump KILO-NAT"); n != 1 {
		t.Errorf("%d jump rules, want 1:\n%s", n, listing)
	}
	for _, r := range []Rule{chain, masq, jump} {
		if ok, err := r.Exists(c); err != nil || !ok {
			t.Errorf("%s: Exists = %v, %v", r, ok, err)
		}
	}
	lines, err := c.List("nat", "POSTROUTING")
	if err != nil || len(lines) != 2 || lines[0] != "-P POSTROUTING ACCEPT" ||
		lines[1] != `-A POSTROUTING -s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT` {
		t.Errorf("List = %q, %v", lines, err)
	}
	if err := c.NewChain("nat", "KILO-NAT"); err == nil {
		t.Error("NewChain of an existing chain must fail")
	} else if se, ok := err.(interface{ ExitStatus() int }); !ok || se.ExitStatus() != 1 {
		t.Errorf("NewChain error %v has no exit status 1", err)
	}
	if err := jump.Delete(c); err != nil {
		t.Fatal(err)
	}
	if ok, _ := jump.Exists(c); ok {
		t.Error("rule still exists after Delete")
	}
	if err := chain.Delete(c); err != nil {
		t.Fatal(err)
	}
	if ok, _ := chain.Exists(c); ok {
		t.Error("chain still exists after Delete")
	}
	if got := ns.Exec("nft", "list", "ruleset"); strings.Contains(got, "KILO-NAT") {
		t.Errorf("kernel still has KILO-NAT:\n%s", got)
	}
}
