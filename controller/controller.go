package controller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nftsync/nftsync/firewall"
)

// Controller keeps a list of rules in place.
type Controller struct {
	logger  *slog.Logger
	resync  time.Duration
	metrics *metrics
	engine  firewall.Backend

	errors chan error

	mu      sync.Mutex
	desired *firewall.Ruleset
	cache   *ruleCache // the rules of the last Set, for the next one
	spare   *ruleCache // the one before, whose slices the next Set fills
	// reuseRuleset allows a Set to fill the rule slices of the desired
	// state of the Set before the last (see desired).
	reuseRuleset bool
	subscribed   bool

	// driftSince is when the oldest foreign change not yet repaired was
	// reported (see Drift); zero when there is none.
	driftMu    sync.Mutex
	driftSince time.Time
	// subs are the subscriptions of Drift, ended by Close.
	subsMu sync.Mutex
	subs   []*subscription
}

// New creates a controller. With no options it manages nftables tables named
// "nftsync-*" in the current network namespace.
func New(opts ...Option) (*Controller, error) {
	o := options{logger: slog.New(slog.DiscardHandler), resync: DefaultResyncPeriod, owner: DefaultOwner, backend: BackendNFTables, segments: DefaultSegmentLen}
	for _, opt := range opts {
		opt(&o)
	}
	if o.resync <= 0 {
		return nil, fmt.Errorf("resync period must be positive, got %v", o.resync)
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, fmt.Errorf("registering metrics: %w", err)
	}
	var obs firewall.Observer = m
	if o.observer != nil {
		obs = firewall.ObserverFunc(func(kind string, n int) {
			m.Observe(kind, n)
			o.observer.Observe(kind, n)
		})
	}
	engine := o.engine
	if engine == nil {
		if engine, err = newEngine(o, obs); err != nil {
			return nil, err
		}
	}
	return &Controller{
		logger:  o.logger,
		resync:  o.resync,
		metrics: m,
		engine:  engine,
		// nftsync's own engines read a desired state only until their
		// next successful Apply; one given with WithEngine may keep it,
		// as firewall.Backend allows.
		reuseRuleset: o.engine == nil,
		errors:       make(chan error),
		desired:      &firewall.Ruleset{},
	}, nil
}

// Backend returns the name of the engine in use ("nftables", "iptables" or
// "clients").
func (c *Controller) Backend() string { return c.engine.Name() }

// Run reconciles every resync period until stop is closed and, with the
// nftables engine, as soon as someone else changes the owned state (see
// Drift): the resync is then only a safety net. Errors are sent on the
// returned channel without blocking: a reader that is not waiting misses
// them, as in Kilo. The channel is closed when Run stops.
func (c *Controller) Run(stop <-chan struct{}) (<-chan error, error) {
	c.mu.Lock()
	if c.subscribed {
		c.mu.Unlock()
		return c.errors, nil
	}
	// A controller runs one loop at most.
	c.subscribed = true
	c.mu.Unlock()
	// Subscribed before Run returns, so that no change after it is missed.
	drift, err := c.Drift(stop)
	if err != nil {
		c.logger.Warn("repairing at each resync only", "err", err)
	}
	go func() {
		defer close(c.errors)
		t := time.NewTicker(c.resync)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-drift:
			case <-stop:
				return
			}
			if err := c.Reconcile(); err != nil {
				select {
				case c.errors <- fmt.Errorf("failed to reconcile rules: %w", err):
				default:
				}
			}
		}
	}()
	return c.errors, nil
}

// Set makes rules the whole desired state: rules not in the list are
// removed, and within a chain the rules are kept in list order. Every rule
// is validated before anything is changed; if any is invalid, or the engine
// refuses the change, nothing is changed and the error names the rule.
//
// A rule equal in meaning to an earlier rule of its chain is installed once,
// as Kilo's AppendUnique installs it.
func (c *Controller) Set(rules []Rule) error { return c.SetContext(context.Background(), rules) }

// SetContext is Set with a context that bounds the work.
func (c *Controller) SetContext(ctx context.Context, rules []Rule) error {
	return c.set(ctx, nil, rules)
}

// SetPlaced is Set for Kilo's RuleSet (see DesiredPlaced): the prepend rules
// of a chain come before its append rules. Where the chain is shared with
// other programs (WithClients, or the iptables engine in a built-in chain),
// prepend rules are inserted at its top, as Kilo's Prepend does, and append
// rules added at its end.
func (c *Controller) SetPlaced(prepend, append []Rule) error {
	return c.SetPlacedContext(context.Background(), prepend, append)
}

// SetPlacedContext is SetPlaced with a context that bounds the work.
func (c *Controller) SetPlacedContext(ctx context.Context, prepend, append []Rule) error {
	return c.set(ctx, prepend, append)
}

func (c *Controller) set(ctx context.Context, prepend, rules []Rule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The spare serves one Set: after a Set that fails, the engine may
	// still hold the desired state built into its slices.
	spare := c.spare
	c.spare = nil
	desired, cache, err := desired(prepend, rules, c.cache, spare)
	if err == nil && !c.reuseRuleset {
		cache.rs = nil
	}
	if err != nil {
		c.metrics.errors.WithLabelValues("set").Inc()
		return err
	}
	if err := c.apply(ctx, "set", desired); err != nil {
		return err
	}
	dropLabels(desired)
	c.desired, c.cache, c.spare = desired, cache, c.cache
	c.metrics.rules.Set(float64(len(prepend) + len(rules)))
	return nil
}

// Reconcile repairs any drift between the kernel and the desired state now.
// With the nftables engine it costs one generation check when nothing
// changed since the last reconcile.
func (c *Controller) Reconcile() error { return c.ReconcileContext(context.Background()) }

// ReconcileContext is Reconcile with a context that bounds the work.
func (c *Controller) ReconcileContext(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	since := c.takeDrift()
	err := c.apply(ctx, "reconcile", c.desired)
	c.repaired(since, err)
	return err
}

func (c *Controller) apply(ctx context.Context, op string, desired *firewall.Ruleset) error {
	start := time.Now()
	plan, err := c.engine.Apply(ctx, desired)
	c.metrics.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		c.metrics.errors.WithLabelValues(op).Inc()
		return fmt.Errorf("failed to %s rules: %w", op, err)
	}
	if !plan.Empty() {
		c.logger.Info("applied changes", "op", op, "backend", c.engine.Name(), "changes", len(plan.Changes), "took", time.Since(start))
		// Each change's text is made only for a logger that keeps it: a
		// cold Set of 100k rules has 100k changes.
		if c.logger.Enabled(ctx, slog.LevelDebug) {
			for _, ch := range plan.Changes {
				c.logger.Debug("change", "family", ch.Family.String(), "table", ch.Table, "change", ch.String())
			}
		}
	}
	return nil
}

// CleanUp removes everything the controller owns.
func (c *Controller) CleanUp() error { return c.CleanUpContext(context.Background()) }

// CleanUpContext is CleanUp with a context that bounds the work.
func (c *Controller) CleanUpContext(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	err := c.engine.CleanUp(ctx)
	c.metrics.duration.WithLabelValues("cleanup").Observe(time.Since(start).Seconds())
	if err != nil {
		c.metrics.errors.WithLabelValues("cleanup").Inc()
		return fmt.Errorf("failed to clean up: %w", err)
	}
	c.desired, c.cache, c.spare = &firewall.Ruleset{}, nil, nil
	return nil
}

// Plan returns what Set(rules) would change, changing nothing.
func (c *Controller) Plan(rules []Rule) (*firewall.Plan, error) {
	return c.PlanContext(context.Background(), rules)
}

// PlanContext is Plan with a context that bounds the work.
func (c *Controller) PlanContext(ctx context.Context, rules []Rule) (*firewall.Plan, error) {
	desired, err := Desired(rules)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.engine.Plan(ctx, desired)
}

// PlanRuleset is Plan for a ready desired state (from an iptables-save file).
func (c *Controller) PlanRuleset(rs *firewall.Ruleset) (*firewall.Plan, error) {
	return c.PlanRulesetContext(context.Background(), rs)
}

// PlanRulesetContext is PlanRuleset with a context that bounds the work.
func (c *Controller) PlanRulesetContext(ctx context.Context, rs *firewall.Ruleset) (*firewall.Plan, error) {
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.engine.Plan(ctx, rs)
}

// SetRuleset is Set for a ready desired state (from an iptables-save file).
func (c *Controller) SetRuleset(rs *firewall.Ruleset) error {
	return c.SetRulesetContext(context.Background(), rs)
}

// SetRulesetContext is SetRuleset with a context that bounds the work.
func (c *Controller) SetRulesetContext(ctx context.Context, rs *firewall.Ruleset) error {
	if err := rs.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.apply(ctx, "set", rs); err != nil {
		return err
	}
	c.desired, c.cache, c.spare = rs, nil, nil
	c.metrics.rules.Set(float64(countRules(rs)))
	return nil
}

// countRules counts rules and user-defined chains, as Set counts its list.
func countRules(rs *firewall.Ruleset) int {
	n := 0
	for _, ch := range rs.Chains {
		n += len(ch.Rules)
		if !ch.Builtin() {
			n++
		}
	}
	return n
}

// Current reads the owned state from the kernel (not from a cache).
func (c *Controller) Current() (*firewall.Ruleset, error) {
	return c.CurrentContext(context.Background())
}

// CurrentContext is Current with a context that bounds the work.
func (c *Controller) CurrentContext(ctx context.Context) (*firewall.Ruleset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.engine.Read(ctx)
}

// Close releases the engine (sockets) and ends the subscriptions to ruleset
// changes; it does not remove any rule.
func (c *Controller) Close() error {
	c.closeSubscriptions()
	return c.engine.Close()
}
