package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestListJSON checks list -o json against the applied examples.
func TestListJSON(t *testing.T) {
	ns := netnstest.New(t)
	mustRun(t, 0, ns, "", "apply", "-4", kiloV4, "-6", kiloV6)
	var got jsonDoc
	r := mustRun(t, 0, ns, "", "list", "-6", "--output", "json")
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got.Version != jsonSchemaVersion || got.Owner != "test" || got.Backend != "nftables" || got.Chains == nil || got.Changes != nil {
		t.Fatalf("envelope: %s", r.stdout)
	}
	var natChain *jsonChain
	for i, c := range *got.Chains {
		if c.Family != "ip6" {
			t.Errorf("chain %s of family %q in list -6", c.Chain, c.Family)
		}
		if c.Table == "nat" && c.Chain == "KILO-NAT" {
			natChain = &(*got.Chains)[i]
		}
		if c.Chain == "POSTROUTING" && c.Policy != "ACCEPT" {
			t.Errorf("POSTROUTING policy %q, want ACCEPT", c.Policy)
		}
	}
	if natChain == nil || len(natChain.Rules) != 6 {
		t.Fatalf("want KILO-NAT with 6 rules, got %+v", natChain)
	}
	want := []string{"-m", "comment", "--comment", "Kilo: NAT remaining packets", "-j", "MASQUERADE"}
	if last := natChain.Rules[5]; !reflect.DeepEqual(last, want) {
		t.Errorf("last KILO-NAT rule = %q, want %q", last, want)
	}
	// An owner with nothing lists nothing.
	if r := runBin(t, "", nil, "list", "--netns", ns.Name, "--owner", "nobody"); r.code != 0 || strings.Contains(r.stdout, "-A ") {
		t.Errorf("list of an empty owner: %s", r)
	}
}
