package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// fakeProber answers from fields and records which probes ran.
type fakeProber struct {
	nftErr     error
	version    string
	versionErr error
	legacy     []string          // legacy tables
	saves      map[string]string // mode -> iptables-save output
	saveErr    map[string]error
	calls      []string
}

func (f *fakeProber) CheckNFTables(context.Context) error {
	f.calls = append(f.calls, "probe")
	return f.nftErr
}

func (f *fakeProber) IptablesVersion(context.Context) (string, error) {
	f.calls = append(f.calls, "version")
	return f.version, f.versionErr
}

func (f *fakeProber) LegacyTables(context.Context) ([]string, error) {
	f.calls = append(f.calls, "legacy-tables")
	return f.legacy, nil
}

func (f *fakeProber) Save(_ context.Context, mode string) (string, error) {
	f.calls = append(f.calls, "save-"+mode)
	return f.saves[mode], f.saveErr[mode]
}

// saveText builds iptables-save output with n rules in filter INPUT and,
// when hint is set, that chain declared in mangle.
func saveText(n int, hint string) string {
	var b strings.Builder
	if hint != "" {
		b.WriteString("*mangle\n:PREROUTING ACCEPT [0:0]\n:" + hint + " - [0:0]\nCOMMIT\n")
	}
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := 0; i < n; i++ {
		b.WriteString("-A INPUT -j ACCEPT\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

func TestDecide(t *testing.T) {
	nft18 := "iptables v1.8.9 (nf_tables)\n"
	legacy18 := "iptables v1.8.9 (legacy)\n"
	tests := []struct {
		name    string
		pref    string
		p       fakeProber
		backend string
		mode    string
		reason  string // a substring of the reason
		noCall  string // a probe that must not run
	}{
		{name: "explicit nftables", pref: "nftables", p: fakeProber{nftErr: errors.New("no")},
			backend: "nftables", mode: "nft", reason: "explicit", noCall: "probe"},
		{name: "explicit iptables-legacy", pref: "iptables-legacy",
			backend: "iptables", mode: "legacy", reason: "explicit", noCall: "probe"},
		{name: "explicit iptables-nft", pref: "iptables-nft", p: fakeProber{legacy: []string{"filter"}, saves: map[string]string{"legacy": saveText(9, "")}},
			backend: "iptables", mode: "nft", reason: "explicit", noCall: "save-legacy"},
		{name: "explicit iptables, legacy in use", pref: "iptables",
			p:       fakeProber{legacy: []string{"filter"}, saves: map[string]string{"legacy": saveText(3, "")}},
			backend: "iptables", mode: "legacy", reason: "more rules (3)", noCall: "probe"},
		{name: "explicit iptables, fresh host", pref: "iptables", p: fakeProber{version: nft18},
			backend: "iptables", mode: "nft", reason: "no iptables-legacy tables"},
		{name: "auto: nf_tables probe fails", pref: "auto", p: fakeProber{nftErr: errors.New("EOPNOTSUPP")},
			backend: "iptables", mode: "legacy", reason: "nf_tables check failed (EOPNOTSUPP)"},
		{name: "no legacy tables, legacy binary", p: fakeProber{version: legacy18},
			backend: "nftables", mode: "nft", reason: "no iptables-legacy tables", noCall: "save-nft"},
		{name: "legacy kubelet hint", p: fakeProber{legacy: []string{"mangle", "filter"},
			saves: map[string]string{"legacy": saveText(0, "KUBE-IPTABLES-HINT"), "nft": saveText(5, "")}},
			backend: "iptables", mode: "legacy", reason: "KUBE-IPTABLES-HINT in iptables-legacy"},
		{name: "nft kubelet hint beats legacy rules", p: fakeProber{legacy: []string{"filter"},
			saves: map[string]string{"legacy": saveText(20, ""), "nft": saveText(0, "KUBE-KUBELET-CANARY")}},
			backend: "nftables", mode: "nft", reason: "KUBE-KUBELET-CANARY in iptables-nft"},
		{name: "hints in both modes: counts decide", p: fakeProber{legacy: []string{"mangle"},
			saves: map[string]string{"legacy": saveText(4, "KUBE-IPTABLES-HINT"), "nft": saveText(2, "KUBE-IPTABLES-HINT")}},
			backend: "iptables", mode: "legacy", reason: "iptables-legacy holds more rules (4)"},
		{name: "more legacy rules", p: fakeProber{version: nft18, legacy: []string{"filter"},
			saves: map[string]string{"legacy": saveText(7, ""), "nft": saveText(1, "")}},
			backend: "iptables", mode: "legacy", reason: "more rules (7) than iptables-nft (1)"},
		{name: "more nft rules beat a legacy binary", p: fakeProber{version: legacy18, legacy: []string{"filter"},
			saves: map[string]string{"legacy": saveText(1, ""), "nft": saveText(7, "")}},
			backend: "nftables", mode: "nft", reason: "iptables-nft holds more rules (7)"},
		{name: "tie, legacy binary", p: fakeProber{version: legacy18, legacy: []string{"filter"}},
			backend: "iptables", mode: "legacy", reason: "says legacy"},
		{name: "tie, nf_tables binary", p: fakeProber{version: nft18, legacy: []string{"filter"}},
			backend: "nftables", mode: "nft", reason: "does not say legacy"},
		{name: "tie, pre-1.8 binary is legacy", p: fakeProber{version: "iptables v1.6.1\n", legacy: []string{"filter"}},
			backend: "iptables", mode: "legacy", reason: "says legacy"},
		{name: "tie, no iptables binary", p: fakeProber{versionErr: errors.New("not found"), legacy: []string{"filter"}},
			backend: "nftables", mode: "nft", reason: "ignored: iptables --version: not found"},
		{name: "nft save fails", p: fakeProber{legacy: []string{"filter"},
			saves:   map[string]string{"legacy": saveText(2, "")},
			saveErr: map[string]error{"nft": errors.New("table `filter' is incompatible")}},
			backend: "iptables", mode: "legacy", reason: "ignored: iptables-nft-save: table `filter' is incompatible"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			d, err := Detect(context.Background(), WithPreference(tc.pref), WithProber(&p))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if d.Backend != tc.backend || d.Mode != tc.mode {
				t.Errorf("Detect = %s/%s (%s), want %s/%s", d.Backend, d.Mode, d.Reason, tc.backend, tc.mode)
			}
			if !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", d.Reason, tc.reason)
			}
			if tc.noCall != "" {
				for _, c := range p.calls {
					if c == tc.noCall {
						t.Errorf("probe %s ran (calls %v)", c, p.calls)
					}
				}
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	if _, err := Detect(context.Background(), WithPreference("ipchains"), WithProber(&fakeProber{})); err == nil {
		t.Error("an unknown preference was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Detect(ctx, WithProber(&fakeProber{nftErr: context.Canceled})); !errors.Is(err, context.Canceled) {
		t.Errorf("Detect with a cancelled context: %v", err)
	}
}

func TestVersionMode(t *testing.T) {
	for in, want := range map[string]string{
		"iptables v1.8.9 (nf_tables)": ModeNFT,
		"iptables v1.8.7 (legacy)":    ModeLegacy,
		"iptables v1.4.21":            ModeLegacy,
		"":                            "",
		"command not found":           "",
	} {
		if got := versionMode(in); got != want {
			t.Errorf("versionMode(%q) = %q, want %q", in, got, want)
		}
	}
}

// Without CAP_NET_ADMIN the nf_tables check fails with EPERM on any host;
// that must be an error, not a decision for iptables-legacy.
func TestDecidePermissionDenied(t *testing.T) {
	p := &fakeProber{nftErr: fmt.Errorf("creating probe table: %w", syscall.EPERM)}
	d, err := decide(context.Background(), "auto", p)
	if err == nil || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("decide = %+v, %v; want a permission error", d, err)
	}
}
