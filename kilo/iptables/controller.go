package iptables

import (
	"fmt"
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/prometheus/client_golang/prometheus"
)

// Controller keeps a RuleSet in place.
type Controller struct {
	// Configuration, set by the options.
	logger     Logger
	resync     time.Duration
	v4, v6     Client
	registerer prometheus.Registerer
	placement  *[]string
	opts       []controller.Option

	c *controller.Controller
	// ipv4Only is set when the kernel cannot take IPv6 rules: Set leaves
	// them out.
	ipv4Only bool
}

// DefaultPlacement are the iptables tables whose chains New keeps inside
// iptables' own tables unless WithPlacement says otherwise (see
// controller.WithPlacement): filter, where Kilo's FORWARD accepts must be
// final.
var DefaultPlacement = []string{"filter"}

// placed is the placement New asks for.
func (c *Controller) placed() []string {
	if c.placement != nil {
		return *c.placement
	}
	return DefaultPlacement
}

// New creates a controller. Without options it keeps the rules over
// netlink: the filter table's chains in iptables-nft's own filter table
// (DefaultPlacement), the others as native nftables rules in tables named
// kilo-*; on a host whose iptables is legacy, through the iptables engine.
// It works in the current network namespace and reconciles every 5s once
// Run is called.
//
// Unless clients are given, it checks whether the kernel has IPv6 (as Kilo
// does); if not, it manages IPv4 rules only and logs why, once.
func New(opts ...ControllerOption) (*Controller, error) {
	c := &Controller{resync: controller.DefaultResyncPeriod}
	for _, o := range opts {
		o(c)
	}
	if c.resync <= 0 {
		// Kilo's own default was no period at all; reconcile as often as
		// the controller package does.
		c.resync = controller.DefaultResyncPeriod
	}
	log := slogger(c.logger)
	copts := []controller.Option{
		controller.WithOwner(DefaultOwner),
		// Kilo prepends FORWARD accepts for hosts whose iptables FORWARD
		// policy is DROP (Docker): they are final only in iptables' own
		// filter table. auto keeps them there on every host: placed in
		// iptables-nft's filter table by the nftables engine, or through
		// the iptables engine where iptables is legacy.
		controller.WithBackend(controller.BackendAuto),
		controller.WithPlacement(c.placed()...),
		controller.WithLogger(log),
		controller.WithResyncPeriod(c.resync),
		controller.WithRegisterer(c.registerer),
	}
	if c.v4 != nil || c.v6 != nil {
		if c.v4 == nil || c.v6 == nil {
			return nil, fmt.Errorf("WithClients needs both an IPv4 and an IPv6 client")
		}
		copts = append(copts, controller.WithClients(c.v4, c.v6))
	} else {
		why, err := ipv6Unavailable()
		if err != nil {
			return nil, err
		}
		if why != "" {
			c.ipv4Only = true
			log.Info("managing IPv4 rules only", "reason", why)
		}
	}
	ctl, err := controller.New(append(copts, c.opts...)...)
	if err != nil {
		return nil, err
	}
	c.c = ctl
	return c, nil
}

// Run reconciles every resync period until stop is closed. Errors are sent
// on the returned channel without blocking; it is closed when Run stops.
func (c *Controller) Run(stop <-chan struct{}) (<-chan error, error) {
	return c.c.Run(stop)
}

// Set makes rules the whole desired state: every rule and chain the
// controller installed that is not in rules is removed. Within a chain the
// append rules keep their order and the prepend rules come first (the last
// prepended at the top, as inserting each at the top leaves them); a rule
// equal in meaning to another of its chain is installed once. Every rule is
// checked before anything changes; an invalid rule is an error naming it.
func (c *Controller) Set(rules RuleSet) error {
	prepend, err := c.unwrap(rules.prependRules)
	if err != nil {
		return err
	}
	appendRules, err := c.unwrap(rules.appendRules)
	if err != nil {
		return err
	}
	return c.c.SetPlaced(prepend, appendRules)
}

// unwrap returns the controller's rules for rs, leaving out IPv6 ones when
// the kernel has no IPv6.
func (c *Controller) unwrap(rs []Rule) ([]controller.Rule, error) {
	out := make([]controller.Rule, 0, len(rs))
	for _, r := range rs {
		v, ok := r.(*rule)
		if !ok || v == nil {
			return nil, fmt.Errorf("rule %v: unsupported Rule implementation %T (use NewRule, NewIPv4Chain and friends)", r, r)
		}
		if c.ipv4Only && v.Proto() == ProtocolIPv6 {
			continue
		}
		out = append(out, v.r)
	}
	return out, nil
}

// Reconcile repairs any difference between the rules in place and the last
// Set now (Run does it every resync period).
func (c *Controller) Reconcile() error { return c.c.Reconcile() }

// CleanUp removes every rule and chain the controller installed.
func (c *Controller) CleanUp() error { return c.c.CleanUp() }

// Close releases the engine's sockets; it removes no rule.
func (c *Controller) Close() error { return c.c.Close() }
