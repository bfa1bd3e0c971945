package iptables

import (
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultOwner names the tables the controller owns (kilo-nat, kilo-filter,
// …) when WithOwner is not given.
const DefaultOwner = "kilo"

// ControllerOption modifies the controller's configuration.
type ControllerOption func(c *Controller)

// WithLogger makes the controller log to logger (a go-kit log.Logger fits).
// Without it, nothing is logged.
func WithLogger(logger Logger) ControllerOption {
	return func(c *Controller) { c.logger = logger }
}

// WithResyncPeriod sets how often Run reconciles (default 5s).
func WithResyncPeriod(resyncPeriod time.Duration) ControllerOption {
	return func(c *Controller) { c.resync = resyncPeriod }
}

// WithClients makes the controller drive the given clients (e.g. go-iptables'
// *iptables.IPTables) rule by rule, as Kilo's controller does, instead of
// the atomic engine. Both are needed.
func WithClients(v4, v6 Client) ControllerOption {
	return func(c *Controller) { c.v4, c.v6 = v4, v6 }
}

// WithRegisterer registers the controller's Prometheus metrics (nftsync_*,
// see the README) with registerer.
func WithRegisterer(registerer prometheus.Registerer) ControllerOption {
	return func(c *Controller) { c.registerer = registerer }
}

// WithOwner names the owner (default "kilo"): the nftables engine keeps the
// rules in tables named OWNER-TABLE and touches no other table.
func WithOwner(name string) ControllerOption {
	return func(c *Controller) { c.opts = append(c.opts, controller.WithOwner(name)) }
}

// WithBackend picks the engine: "nftables" (the default), "iptables" or
// "auto"; see controller.WithBackend.
func WithBackend(name string) ControllerOption {
	return func(c *Controller) { c.opts = append(c.opts, controller.WithBackend(name)) }
}

// WithNetNS makes the controller work in the network namespace at path
// (e.g. /run/netns/NAME) instead of the current one.
func WithNetNS(path string) ControllerOption {
	return func(c *Controller) { c.opts = append(c.opts, controller.WithNetNS(path)) }
}

// WithControllerOptions passes options of the controller package through,
// applied after this package's defaults and options: the way to reach the
// controller's settings that this package does not repeat.
func WithControllerOptions(opts ...controller.Option) ControllerOption {
	return func(c *Controller) { c.opts = append(c.opts, opts...) }
}

// WithPlacement replaces DefaultPlacement: the iptables tables whose chains
// are kept inside iptables' own tables (see controller.WithPlacement). With
// no table, every chain is kept in the owner's own nftables tables.
func WithPlacement(tables ...string) ControllerOption {
	return func(c *Controller) { c.placement = &tables }
}
