package compat

import (
	"log/slog"

	"github.com/nftsync/nftsync/firewall"
)

// Option configures New and Detect. Options that do not apply to a call are
// ignored by it.
type Option func(*config)

type config struct {
	mode       string // "", "legacy" or "nft"
	binDir     string
	log        *slog.Logger
	obs        firewall.Observer
	netns      string
	preference string
	prober     Prober
	owner      string
	stateDir   string
	wait       bool
}

// observe counts n events of a kind when there is an observer.
func observe(o firewall.Observer, kind string, n int) {
	if o != nil {
		o.Observe(kind, n)
	}
}

func newConfig(opts []Option) config {
	c := config{owner: DefaultOwner, stateDir: DefaultStateDir}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Modes of the iptables binaries: ModeNFT drives iptables-nft (the
// nf_tables-based compatibility layer), ModeLegacy drives iptables-legacy
// (x_tables). The empty mode uses plain `iptables`, `iptables-save` and
// `iptables-restore`, whatever they point to.
const (
	ModeNFT    = "nft"
	ModeLegacy = "legacy"
)

// WithMode chooses the iptables binaries: ModeNFT uses iptables-nft,
// iptables-nft-save and iptables-nft-restore (and the ip6tables ones),
// ModeLegacy the -legacy ones, "" the unsuffixed names.
func WithMode(mode string) Option { return func(c *config) { c.mode = mode } }

// WithBinDir looks the iptables binaries up in dir instead of $PATH.
func WithBinDir(dir string) Option { return func(c *config) { c.binDir = dir } }

// WithLogger sets where the backend and Detect log; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithObserver receives "exec" (one per process started), "dump" (one per
// iptables-save), "batch" (one per iptables-restore making changes),
// "check" (one per iptables-restore in a scratch namespace), "rollback"
// (one per iptables-restore undoing a refused change) and "drift" (changes
// that repaired someone else's edits) counts.
func WithObserver(o firewall.Observer) Option { return func(c *config) { c.obs = o } }

// WithNetNS runs every iptables command (and Detect's probes) inside the
// named network namespace (/run/netns/NAME), or the namespace file at the
// given path when the name contains a slash.
func WithNetNS(name string) Option { return func(c *config) { c.netns = name } }

// DefaultOwner is the owner New uses when WithOwner is not given.
const DefaultOwner = firewall.DefaultOwner

// DefaultStateDir is where New keeps its ownership records when WithStateDir
// is not given: /run is a tmpfs, emptied at boot like the tables themselves.
const DefaultStateDir = "/run/nftsync"

// WithOwner names the owner (default DefaultOwner). Its ownership record is
// kept apart from other owners' (see WithStateDir), so owners working side
// by side in the same tables never take each other's rules: a short name
// without "/", spaces or NUL that does not start with a dot.
func WithOwner(name string) Option { return func(c *config) { c.owner = name } }

// WithStateDir sets the directory that holds the ownership record, one file
// per owner and network namespace, OWNER-iptables-netINODE.json (default
// DefaultStateDir; created with mode 0700 on the first write). "" keeps
// ownership in memory only: a new Backend then owns nothing of what an
// earlier one wrote into built-in chains.
func WithStateDir(dir string) Option { return func(c *config) { c.stateDir = dir } }

// WithWait makes Apply and CleanUp wait, for as long as their context
// allows, while another process changes the same owner's rules in the same
// network namespace, instead of failing with ErrLocked. A Backend that has
// made a change keeps the lock until Close (see lock.go).
func WithWait(wait bool) Option { return func(c *config) { c.wait = wait } }
