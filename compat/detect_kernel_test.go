package compat

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/nftsync/nftsync/internal/netnstest"
)

// detectIn runs Detect in ns and checks that it changed nothing: the
// ruleset generation must be the same before and after.
func detectIn(t *testing.T, ns *netnstest.NS, opts ...Option) Decision {
	t.Helper()
	before := genIn(t, ns)
	d, err := Detect(context.Background(), append([]Option{WithNetNS(ns.Name)}, opts...)...)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	if after := genIn(t, ns); after != before {
		t.Errorf("Detect committed to the ruleset: generation %d before, %d after", before, after)
	}
	t.Logf("decision: %+v", d)
	return d
}

// genIn returns ns's ruleset generation.
func genIn(t *testing.T, ns *netnstest.NS) uint32 {
	t.Helper()
	h := ns.Handle()
	defer h.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		t.Fatalf("connecting to nf_tables in %s: %v", ns, err)
	}
	g, err := conn.GetGen()
	if err != nil {
		t.Fatalf("GETGEN in %s: %v", ns, err)
	}
	return g.ID
}

// TestDetectKernel walks one fresh namespace through the states Detect
// tells apart: fresh, legacy rules, then an iptables-nft kubelet hint.
func TestDetectKernel(t *testing.T) {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "iptables-legacy")
	netnstest.RequireBinary(t, "iptables-nft")
	p := &sysProber{run: &runner{netns: ns.Name, log: newConfig(nil).log}}
	gen := genIn(t, ns)
	if err := p.CheckNFTables(context.Background()); err != nil {
		t.Fatalf("nf_tables check in a fresh namespace: %v", err)
	}
	if out := ns.Exec("nft", "list", "ruleset"); strings.TrimSpace(out) != "" {
		t.Errorf("the check left something behind:\n%s", out)
	}
	if g := genIn(t, ns); g != gen {
		t.Errorf("the nf_tables check committed: generation %d, then %d", gen, g)
	}
	if tables, err := p.LegacyTables(context.Background()); err != nil || len(tables) != 0 {
		t.Errorf("legacy tables of a fresh namespace: %q, %v", tables, err)
	}
	if d := detectIn(t, ns); d.Backend != BackendNFTables || d.Mode != ModeNFT {
		t.Errorf("fresh namespace: %+v, want nftables", d)
	}

	ns.Exec("iptables-legacy", "-A", "INPUT", "-s", "192.0.2.1", "-j", "DROP")
	if tables, err := p.LegacyTables(context.Background()); err != nil || !reflect.DeepEqual(tables, []string{"filter"}) {
		t.Errorf("legacy tables after iptables-legacy -A INPUT: %q, %v", tables, err)
	}
	if d := detectIn(t, ns); d.Backend != BackendIPTables || d.Mode != ModeLegacy {
		t.Errorf("namespace with legacy rules: %+v, want iptables legacy", d)
	}
	if d := detectIn(t, ns, WithPreference("iptables")); d.Mode != ModeLegacy {
		t.Errorf("explicit iptables with legacy rules: %+v, want legacy mode", d)
	}

	ns.Exec("iptables-nft", "-t", "mangle", "-N", "KUBE-IPTABLES-HINT")
	d := detectIn(t, ns)
	if d.Backend != BackendNFTables || !strings.Contains(d.Reason, "KUBE-IPTABLES-HINT") {
		t.Errorf("namespace with an iptables-nft kubelet hint: %+v, want nftables for the hint", d)
	}
	// The legacy mangle table was never created: reading legacy state
	// loaded no table.
	if tables, _ := p.LegacyTables(context.Background()); !reflect.DeepEqual(tables, []string{"filter"}) {
		t.Errorf("legacy tables after Detect: %q, want only filter", tables)
	}
}

// TestDetectKernelLegacyHint: kubelet's canary in legacy mangle wins over
// more iptables-nft rules.
func TestDetectKernelLegacyHint(t *testing.T) {
	ns := netnstest.New(t)
	netnstest.RequireBinary(t, "iptables-legacy")
	for _, port := range []string{"1", "2", "3"} {
		ns.Exec("iptables-nft", "-A", "INPUT", "-p", "tcp", "--dport", port, "-j", "ACCEPT")
	}
	ns.Exec("iptables-legacy", "-t", "mangle", "-N", "KUBE-KUBELET-CANARY")
	if d := detectIn(t, ns); d.Backend != BackendIPTables || d.Mode != ModeLegacy || !strings.Contains(d.Reason, "KUBE-KUBELET-CANARY") {
		t.Errorf("legacy kubelet canary: %+v, want iptables legacy for the hint", d)
	}
}
