package compat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Backend names a Decision carries.
const (
	BackendNFTables = "nftables"
	BackendIPTables = "iptables"
)

// Decision is the firewall engine Detect chose, and why.
type Decision struct {
	// Backend is "nftables" (the netlink engine, own tables) or "iptables"
	// (this package, iptables' own tables).
	Backend string
	// Mode is the iptables flavour the host uses: "nft" or "legacy". With
	// Backend "nftables" it is always "nft".
	Mode string
	// Reason says which fact decided, for logs and error messages.
	Reason string
}

// Prober gathers the facts Detect decides on; the real one looks at the
// kernel and the iptables binaries, tests pass a fake.
type Prober interface {
	// CheckNFTables fails on kernels without (full) nf_tables: when
	// nf_tables does not answer a netlink query, or when the kernel can
	// provably not make NAT base chains. It must not change the ruleset:
	// Detect runs for read-only commands too, and a commit would make every
	// process watching the generation re-read the ruleset.
	CheckNFTables(ctx context.Context) error
	// IptablesVersion returns what `iptables --version` prints.
	IptablesVersion(ctx context.Context) (string, error)
	// LegacyTables returns the tables listed in /proc/net/ip_tables_names
	// and ip6_tables_names: the x_tables (legacy) tables that exist. Reading
	// them loads no module, unlike running iptables-legacy.
	LegacyTables(ctx context.Context) ([]string, error)
	// Save returns what iptables-MODE-save and ip6tables-MODE-save print
	// (all tables), MODE being "nft" or "legacy".
	Save(ctx context.Context, mode string) (string, error)
}

// WithPreference sets the explicit choice Detect honours: "nftables",
// "iptables" (mode detected), "iptables-nft", "iptables-legacy", or ""/"auto"
// to detect.
func WithPreference(p string) Option { return func(c *config) { c.preference = p } }

// WithProber replaces the real prober (for tests, or to add facts).
func WithProber(p Prober) Option { return func(c *config) { c.prober = p } }

// Detect chooses the engine: nftables, unless the host is managed by
// iptables-legacy (or nf_tables does not work), in which case the
// iptables backend in legacy mode. The facts, strongest first:
//
//  1. an explicit preference (WithPreference) wins;
//  2. an nf_tables that does not answer (or has no NAT) means legacy
//     iptables;
//  3. no legacy table in /proc/net/ip{,6}_tables_names means nftables,
//     and nothing more is run (the legacy tables are only read when some
//     exist: running iptables-legacy would load the x_tables modules);
//  4. kubelet's hint chains (KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY) in the
//     mangle table of exactly one mode name that mode;
//  5. rule counts: the mode holding more rules wins;
//  6. on a tie, `iptables --version`: "(legacy)" means legacy.
//
// Detect only reads: a netlink query, /proc and /sys files, and the
// iptables-save programs (which commit nothing). It never writes to the
// ruleset, so `nftsync list` and `diff` leave the generation as it was.
//
// Rule counts come before the version on purpose: the version only says
// which binary this environment ships, while the rules say which one the
// host's other firewall users actually write to.
func Detect(ctx context.Context, opts ...Option) (Decision, error) {
	cfg := newConfig(opts)
	p := cfg.prober
	if p == nil {
		p = &sysProber{run: &runner{netns: cfg.netns, obs: cfg.obs, log: cfg.log}, binDir: cfg.binDir}
	}
	d, err := decide(ctx, cfg.preference, p)
	if err != nil {
		return Decision{}, fmt.Errorf("detecting the firewall backend: %w", err)
	}
	cfg.log.Debug("firewall backend chosen", "backend", d.Backend, "mode", d.Mode, "reason", d.Reason)
	return d, nil
}

func decide(ctx context.Context, pref string, p Prober) (Decision, error) {
	switch pref {
	case BackendNFTables:
		return Decision{BackendNFTables, ModeNFT, "explicit setting nftables"}, nil
	case "iptables-nft":
		return Decision{BackendIPTables, ModeNFT, "explicit setting iptables-nft"}, nil
	case "iptables-legacy":
		return Decision{BackendIPTables, ModeLegacy, "explicit setting iptables-legacy"}, nil
	case BackendIPTables:
		mode, why, err := iptablesMode(ctx, p)
		if err != nil {
			return Decision{}, err
		}
		return Decision{BackendIPTables, mode, "explicit setting iptables; " + why}, nil
	case "", "auto":
	default:
		return Decision{}, fmt.Errorf("unknown preference %q (want auto, nftables, iptables, iptables-nft or iptables-legacy)", pref)
	}
	if err := p.CheckNFTables(ctx); err != nil {
		if ctx.Err() != nil {
			return Decision{}, ctx.Err()
		}
		// Without CAP_NET_ADMIN the check fails whatever the kernel
		// supports: that says nothing about the host, so it is an error,
		// not a vote for legacy.
		if errors.Is(err, os.ErrPermission) {
			return Decision{}, fmt.Errorf("probing nf_tables: %w", err)
		}
		return Decision{BackendIPTables, ModeLegacy, fmt.Sprintf("nf_tables check failed (%v)", err)}, nil
	}
	mode, why, err := iptablesMode(ctx, p)
	if err != nil {
		return Decision{}, err
	}
	if mode == ModeLegacy {
		return Decision{BackendIPTables, ModeLegacy, why}, nil
	}
	return Decision{BackendNFTables, ModeNFT, why}, nil
}

// iptablesMode decides which iptables flavour manages the host (steps 3-6
// of Detect). Probe failures count as absent facts, except a cancelled ctx.
func iptablesMode(ctx context.Context, p Prober) (mode, why string, err error) {
	var notes []string
	note := func(what string, err error) {
		notes = append(notes, fmt.Sprintf("%s: %v", what, err))
	}
	reason := func(s string) string {
		if len(notes) == 0 {
			return s
		}
		return s + " (ignored: " + strings.Join(notes, "; ") + ")"
	}
	tables, err := p.LegacyTables(ctx)
	if err != nil {
		note("legacy tables", err)
	} else if len(tables) == 0 {
		// Without legacy tables there is neither a legacy hint nor a
		// legacy rule to weigh: nothing more to run (the common case
		// costs no process at all).
		return ModeNFT, reason("no iptables-legacy tables exist"), ctx.Err()
	}
	nftOut, err := p.Save(ctx, ModeNFT)
	if err != nil {
		note("iptables-nft-save", err)
	}
	var legacyOut string
	if len(tables) > 0 {
		if legacyOut, err = p.Save(ctx, ModeLegacy); err != nil {
			note("iptables-legacy-save", err)
		}
	}
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	nftHint, legacyHint := kubeletHint(nftOut), kubeletHint(legacyOut)
	switch {
	case legacyHint != "" && nftHint == "":
		return ModeLegacy, reason("kubelet hint chain " + legacyHint + " in iptables-legacy's mangle table"), nil
	case nftHint != "" && legacyHint == "":
		return ModeNFT, reason("kubelet hint chain " + nftHint + " in iptables-nft's mangle table"), nil
	case len(tables) == 0:
		return ModeNFT, reason("no iptables-legacy tables exist"), nil
	}
	nftN, legacyN := countRules(nftOut), countRules(legacyOut)
	switch {
	case legacyN > nftN:
		return ModeLegacy, reason(fmt.Sprintf("iptables-legacy holds more rules (%d) than iptables-nft (%d)", legacyN, nftN)), nil
	case nftN > legacyN:
		return ModeNFT, reason(fmt.Sprintf("iptables-nft holds more rules (%d) than iptables-legacy (%d)", nftN, legacyN)), nil
	}
	v, err := p.IptablesVersion(ctx)
	if err != nil {
		note("iptables --version", err)
	}
	if versionMode(v) == ModeLegacy {
		return ModeLegacy, reason(fmt.Sprintf("as many rules in both modes (%d), and iptables --version says legacy", nftN)), nil
	}
	return ModeNFT, reason(fmt.Sprintf("as many rules in both modes (%d), and iptables --version does not say legacy", nftN)), nil
}

// versionRE matches `iptables v1.8.9 (nf_tables)`; versions before 1.8 had
// no mode and were legacy.
var versionRE = regexp.MustCompile(`v[0-9]+\.[0-9]+\.[0-9]+(?:\s+\((\w+)\))?`)

// versionMode returns ModeNFT or ModeLegacy from `iptables --version`
// output, or "" when it says neither.
func versionMode(v string) string {
	m := versionRE.FindStringSubmatch(v)
	switch {
	case m == nil:
		return ""
	case m[1] == "nf_tables":
		return ModeNFT
	case m[1] == "legacy" || m[1] == "":
		return ModeLegacy
	}
	return ""
}

// kubeletHint returns the kubelet hint chain declared in a mangle table of
// iptables-save output, or "".
func kubeletHint(save string) string {
	table := ""
	sc := bufio.NewScanner(strings.NewReader(save))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case table == "mangle" && strings.HasPrefix(line, ":"):
			name, _, _ := strings.Cut(line[1:], " ")
			if name == "KUBE-IPTABLES-HINT" || name == "KUBE-KUBELET-CANARY" {
				return name
			}
		}
	}
	return ""
}

// countRules counts the rules in iptables-save output.
func countRules(save string) int {
	n := 0
	for _, line := range strings.Split(save, "\n") {
		if strings.HasPrefix(line, "-A ") {
			n++
		}
	}
	return n
}
