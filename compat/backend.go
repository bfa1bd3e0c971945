package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/coreos/go-iptables/iptables"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// Backend keeps the owned part of iptables' own tables equal to a desired
// Ruleset. It is safe for concurrent use; calls are serialised.
type Backend struct {
	cfg config
	run *runner

	mu    sync.Mutex
	tools map[rule.Family]*tools
	mem   *memory
	last  string // fingerprint of the last ruleset applied in full
	// noScratch is why scratch namespaces cannot be made here (no
	// CAP_SYS_ADMIN, no namespaces): changes are then guarded by
	// roll-backs alone.
	noScratch error

	// The ownership record (state.go): the namespace it is for, the
	// memory it holds, its file's stamp when last read or written, and
	// whether the file holds something else (an unusable record).
	ns    nsIdentity
	saved *memory
	stamp fileStamp
	stale bool
	// pending is a change that may have been made but is not in the
	// record yet (journal.go).
	pending *journal
	// privErr is why the process may not change the tables (no
	// CAP_NET_ADMIN), once privChecked.
	privErr     error
	privChecked bool
	// lockFile holds the writer lock (lock.go) once taken.
	lockFile *os.File
}

var _ firewall.Backend = (*Backend)(nil)

// tools are the resolved binaries of one family.
type tools struct {
	cmd, save, restore string
	wait               bool // iptables-restore takes -w (1.6.2 and later)
}

// New returns an iptables backend. It checks that the binaries of the chosen
// mode exist (their version is read on first use of each family) and reads
// the owner's ownership record for the network namespace it works in.
func New(opts ...Option) (*Backend, error) {
	cfg := newConfig(opts)
	switch cfg.mode {
	case "", ModeNFT, ModeLegacy:
	default:
		return nil, fmt.Errorf("compat: unknown iptables mode %q (want %q, %q or empty)", cfg.mode, ModeNFT, ModeLegacy)
	}
	b := &Backend{
		cfg:   cfg,
		run:   &runner{netns: cfg.netns, obs: cfg.obs, log: cfg.log},
		tools: map[rule.Family]*tools{},
		mem:   newMemory(),
	}
	for _, name := range b.names(rule.IPv4) {
		if _, err := b.lookPath(name); err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
	}
	if cfg.stateDir != "" {
		if err := checkOwner(cfg.owner); err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
		var err error
		if b.ns, err = b.identify(); err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
		if b.checkPrivileges() == nil {
			// Without privileges every call fails with one sentence; a
			// record it may not read would only add a warning.
			b.refresh()
		}
	}
	return b, nil
}

// Name returns "iptables".
func (b *Backend) Name() string { return "iptables" }

// Close releases the writer lock, if the backend took it.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unlock()
	return nil
}

// names returns the iptables, -save and -restore binary names of a family.
func (b *Backend) names(fam rule.Family) [3]string {
	base := "iptables"
	if fam == rule.IPv6 {
		base = "ip6tables"
	}
	if b.cfg.mode != "" {
		base += "-" + b.cfg.mode
	}
	return [3]string{base, base + "-save", base + "-restore"}
}

func (b *Backend) lookPath(name string) (string, error) {
	if b.cfg.binDir != "" {
		name = filepath.Join(b.cfg.binDir, name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("finding %s: %w", name, err)
	}
	return p, nil
}

// toolsFor resolves a family's binaries once, checking the iptables version
// through go-iptables (which runs `iptables --version`).
func (b *Backend) toolsFor(fam rule.Family) (*tools, error) {
	if t := b.tools[fam]; t != nil {
		return t, nil
	}
	var paths [3]string
	for i, name := range b.names(fam) {
		p, err := b.lookPath(name)
		if err != nil {
			return nil, err
		}
		paths[i] = p
	}
	proto := iptables.ProtocolIPv4
	if fam == rule.IPv6 {
		proto = iptables.ProtocolIPv6
	}
	observe(b.cfg.obs, "exec", 1)
	ipt, err := iptables.New(iptables.IPFamily(proto), iptables.Path(paths[0]))
	if err != nil {
		return nil, fmt.Errorf("checking %s: %w", paths[0], err)
	}
	v1, v2, v3 := ipt.GetIptablesVersion()
	t := &tools{cmd: paths[0], save: paths[1], restore: paths[2],
		wait: v1 > 1 || v1 == 1 && (v2 > 6 || v2 == 6 && v3 >= 2)}
	b.cfg.log.Debug("iptables binaries", "family", fam.String(), "save", t.save, "restore", t.restore,
		"version", fmt.Sprintf("%d.%d.%d", v1, v2, v3))
	b.tools[fam] = t
	return t, nil
}

// save reads one table of one family with iptables-save -c (the counters
// are kept for a roll-back).
func (b *Backend) save(ctx context.Context, id tableID) (*savedTable, error) {
	t, err := b.toolsFor(id.fam)
	if err != nil {
		return nil, err
	}
	observe(b.cfg.obs, "dump", 1)
	out, err := b.run.run(ctx, nil, t.save, "-c", "-t", id.table)
	if err != nil {
		return nil, fmt.Errorf("reading %s table %s: %w", id.fam, id.table, err)
	}
	st, err := parseSave(id.fam, id.table, out)
	if err != nil {
		return nil, fmt.Errorf("reading %s table %s: %w", id.fam, id.table, err)
	}
	return st, nil
}

// restoreCmd returns a family's iptables-restore and its arguments: flags,
// then -w when the binary takes it.
func (b *Backend) restoreCmd(fam rule.Family, flags ...string) (string, []string, error) {
	t, err := b.toolsFor(fam)
	if err != nil {
		return "", nil, err
	}
	if t.wait {
		flags = append(flags, "-w")
	}
	return t.restore, flags, nil
}

// restore runs one iptables-restore for a family with the given flags and
// input in the configured namespace; kind is what the observer counts it
// as.
func (b *Backend) restore(ctx context.Context, fam rule.Family, kind string, input []byte, flags ...string) error {
	path, args, err := b.restoreCmd(fam, flags...)
	if err != nil {
		return err
	}
	observe(b.cfg.obs, kind, 1)
	_, err = b.run.run(ctx, input, path, args...)
	return err
}
