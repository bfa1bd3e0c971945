package controller

import (
	"log/slog"
	"time"

	"github.com/nftsync/nftsync/compat"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/nft"
	"github.com/prometheus/client_golang/prometheus"
)

// Backend names accepted by WithBackend.
const (
	BackendNFTables = "nftables"
	BackendIPTables = "iptables"
	BackendAuto     = "auto"
)

// DefaultOwner names the tables the controller owns when WithOwner is not
// given: the nftables engine's default.
const DefaultOwner = firewall.DefaultOwner

// DefaultResyncPeriod is how often Run reconciles, as in Kilo.
const DefaultResyncPeriod = 5 * time.Second

// Option configures a Controller.
type Option func(*options)

type options struct {
	logger     *slog.Logger
	resync     time.Duration
	registerer prometheus.Registerer
	v4, v6     Client
	owner      string
	backend    string
	netns      string
	engine     firewall.Backend
	observer   firewall.Observer
	stateDir   *string
	wait       bool
	placement  []string
	// noAutoPlacement turns the nftables engine's automatic placement
	// off (WithAutoPlacement).
	noAutoPlacement bool
	// segments is the nftables engine's segment size (WithSegments).
	segments int
}

// DefaultSegmentLen is the nftables engine's segment length unless
// WithSegments says otherwise (nft.DefaultSegmentLen).
const DefaultSegmentLen = nft.DefaultSegmentLen

// WithSegments makes the nftables engine keep every chain longer than
// about 2n rules as kernel chains of about n rules each, so that a change
// of one rule rewrites one segment instead of the whole chain (see package
// nft, "Segments"); the default is DefaultSegmentLen, and 0 keeps chains
// whole. The iptables engine ignores it.
func WithSegments(n int) Option { return func(o *options) { o.segments = n } }

// WithLogger sets the logger (default: none, the controller logs nothing).
// It logs one line at Info per change applied (set or repair), each change
// at Debug, and the engines' details at Debug.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithResyncPeriod sets how often Run reconciles (default 5s).
func WithResyncPeriod(d time.Duration) Option { return func(o *options) { o.resync = d } }

// WithRegisterer registers the controller's Prometheus metrics.
func WithRegisterer(r prometheus.Registerer) Option { return func(o *options) { o.registerer = r } }

// WithClients makes the controller drive the given clients rule by rule, as
// Kilo's controller did (e.g. go-iptables' *iptables.IPTables, or NewClient),
// instead of an atomic engine. Comparison is still semantic.
func WithClients(v4, v6 Client) Option { return func(o *options) { o.v4, o.v6 = v4, v6 } }

// WithOwner names the owner: the nftables engine keeps its rules in tables
// named OWNER-TABLE (e.g. kilo-nat), and touches no other table; the
// iptables engine keeps the record of what the owner has in iptables' own
// chains under that name (see WithStateDir), and touches nothing else.
func WithOwner(name string) Option { return func(o *options) { o.owner = name } }

// WithStateDir sets where the iptables engine keeps its ownership records
// (default compat.DefaultStateDir, /run/nftsync): one file per owner and
// network namespace listing the rules the owner wrote into built-in chains,
// the user chains it has and the policies it changed, so that a new process
// of the same owner removes what it no longer wants and nothing else. ""
// keeps them in memory only. The nftables engine needs no record: its
// tables are its own.
func WithStateDir(dir string) Option { return func(o *options) { o.stateDir = &dir } }

// WithWait makes a change wait while another process changes the same
// owner's rules in the same network namespace, instead of failing: one
// writer per owner and namespace at a time, in either engine
// (nft.WithLockWait, compat.WithWait).
func WithWait(wait bool) Option { return func(o *options) { o.wait = wait } }

// compatState returns the iptables engine's options for the owner, the
// state directory and the lock.
func (o options) compatState() []compat.Option {
	opts := []compat.Option{compat.WithOwner(o.owner), compat.WithWait(o.wait)}
	if o.stateDir != nil {
		opts = append(opts, compat.WithStateDir(*o.stateDir))
	}
	return opts
}

// WithBackend picks the engine: "nftables" (the default), "iptables" (the
// compat engine over iptables binaries) or "auto" (detect).
func WithBackend(name string) Option { return func(o *options) { o.backend = name } }

// WithNetNS makes the controller work in the network namespace at path
// (e.g. /run/netns/NAME) instead of the current one.
func WithNetNS(path string) Option { return func(o *options) { o.netns = path } }

// WithEngine supplies a ready firewall.Backend (tests, custom engines); it
// takes precedence over WithBackend.
func WithEngine(b firewall.Backend) Option { return func(o *options) { o.engine = b } }

// WithObserver receives the engine's operation counts (getgen, dump, batch,
// exec, drift) in addition to the metrics.
func WithObserver(obs firewall.Observer) Option { return func(o *options) { o.observer = obs } }
