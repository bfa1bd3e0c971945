package controller

import (
	"log/slog"
	"time"

	"github.com/nftsync/nftsync/firewall"
	"github.com/prometheus/client_golang/prometheus"
)

// Backend names accepted by WithBackend.
const (
	BackendNFTables = "nftables"
	BackendIPTables = "iptables"
	BackendAuto     = "auto"
)

// DefaultOwner names the tables the controller owns when WithOwner is not
// given.
const DefaultOwner = "nftsync"

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
}

// WithLogger sets the logger (default: slog.Default()).
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
// named OWNER-TABLE (e.g. kilo-nat), and touches no other table.
func WithOwner(name string) Option { return func(o *options) { o.owner = name } }

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
