package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nftsync/nftsync/controller"
	"github.com/nftsync/nftsync/firewall"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

// watchOptions are the flags of nftsync watch.
type watchOptions struct {
	flags         commonFlags
	input         inputFlags
	interval      time.Duration
	metricsAddr   string
	cleanupOnExit bool
}

func newWatchCmd() *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch [-4 FILE] [-6 FILE]",
		Short: "Apply the files, then keep the firewall in that state",
		Long: `watch applies the files like apply, then keeps the firewall in that state:
any change someone else makes to the owner's tables is reverted. With the
nftables backend watch follows the kernel's ruleset notifications and
repairs a change within milliseconds of its commit; the reconcile every
--interval is a safety net (and the only way with the iptables backend),
which costs one generation check, no dump, when nothing changed.

watch also follows its files: an edit, a file renamed over them, or a
Kubernetes ConfigMap update (the kubelet's ..data symlink swap) reloads
them. SIGHUP reloads them too. A bad file is logged and the previous rules
stay. SIGTERM and SIGINT stop the loop, and with --cleanup-on-exit remove
the owner's rules first.

With --metrics-addr, an HTTP server serves Prometheus metrics on /metrics and
/healthz, which answers 200 while the last reconcile succeeded and is recent,
503 otherwise.`,
		Example: `  nftsync watch --owner kilo -4 /etc/nftsync/rules.v4 -6 /etc/nftsync/rules.v6 \
      --interval 5s --metrics-addr :9737 --log-format json

  # Reload now (edits are picked up without it)
  kill -HUP $(pidof nftsync)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWatch(cmd, &o)
		},
	}
	fs := cmd.Flags()
	o.flags.register(fs)
	o.input.register(fs, false)
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "how often to reconcile, besides repairing on the kernel's change notifications")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on this address (e.g. :9737); empty: no server")
	fs.BoolVar(&o.cleanupOnExit, "cleanup-on-exit", false, "remove the owner's rules when stopped by SIGTERM or SIGINT")
	return cmd
}

func runWatch(cmd *cobra.Command, o *watchOptions) error {
	if o.interval <= 0 {
		return fmt.Errorf("--interval must be positive, got %v", o.interval)
	}
	if o.input.v4 == "-" || o.input.v6 == "-" {
		return errors.New("watch reloads its files when they change, so it cannot read rules from stdin: give file names")
	}
	// The files are watched before they are first read, so that a change
	// in between is not missed.
	files, fileErr := newFileWatcher(o.input.v4, o.input.v6)
	if files != nil {
		defer files.Close()
	}
	loaded := fingerprint(o.input.v4, o.input.v6)
	rs, err := o.input.load(nil)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	wm := newWatchMetrics(reg)
	c, logger, err := o.flags.open(cmd, "changing the firewall", reg, controller.WithResyncPeriod(o.interval))
	if err != nil {
		return err
	}
	defer c.Close()

	// Signals are caught before the first apply so that a SIGTERM during
	// it still leads to a clean exit.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	// Subscribed before the first apply, so that a change right after it
	// is repaired at once.
	stopDrift := make(chan struct{})
	defer close(stopDrift)
	drift, driftErr := c.Drift(stopDrift)

	health := newHealth(3*o.interval + 10*time.Second)
	if err := firstApply(c, rs, o.flags.target.wait, sigs, logger); err != nil {
		return explain(err, "changing the firewall")
	}
	health.record(nil)
	wm.record(nil)
	logger.Info("rules applied", "backend", c.Backend(), "owner", o.flags.target.owner, "chains", len(rs.Chains), "interval", o.interval)
	if driftErr != nil {
		logger.Warn("repairing at each --interval only", "err", driftErr)
	}
	var fileChanged <-chan struct{}
	if fileErr != nil {
		logger.Warn("not watching the rule files; reload them with SIGHUP", "err", fileErr)
	} else {
		fileChanged = files.C
	}

	var srvErr <-chan error
	if o.metricsAddr != "" {
		srv, errc, err := serveMetrics(o.metricsAddr, reg, health)
		if err != nil {
			return err
		}
		srvErr = errc
		logger.Info("serving metrics", "addr", srv.addr)
		defer srv.shutdown(logger)
	}

	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ticker := time.NewTicker(o.interval)
	defer ticker.Stop()
	reconcile := func() {
		err := c.Reconcile()
		health.record(err)
		wm.record(err)
		if err != nil {
			logger.Error("reconcile failed", "err", explain(err, "changing the firewall"))
		}
	}
	for {
		select {
		case <-ticker.C:
			reconcile()
		case <-drift:
			reconcile()
		case <-fileChanged:
			if now := fingerprint(o.input.v4, o.input.v6); now != loaded {
				loaded = now
				reload(c, o, logger, health, wm)
			}
		case s := <-sigs:
			if s == syscall.SIGHUP {
				loaded = fingerprint(o.input.v4, o.input.v6)
				reload(c, o, logger, health, wm)
				continue
			}
			logger.Info("stopping", "signal", s.String())
			return stop(c, o, logger)
		case err := <-srvErr:
			return fmt.Errorf("metrics server: %w", err)
		case <-ctx.Done():
			logger.Info("stopping", "reason", ctx.Err())
			return stop(c, o, logger)
		}
	}
}

// reload re-reads the files after SIGHUP or a change. A bad file is logged and the
// previous rules stay in force.
func reload(c *controller.Controller, o *watchOptions, logger *slog.Logger, health *health, wm *watchMetrics) {
	rs, err := o.input.load(nil)
	if err != nil {
		wm.reloads.WithLabelValues("error").Inc()
		logger.Error("reload failed, keeping the previous rules", "err", err)
		return
	}
	err = c.SetRuleset(rs)
	health.record(err)
	wm.record(err)
	if err != nil {
		wm.reloads.WithLabelValues("error").Inc()
		logger.Error("applying reloaded rules failed", "err", explain(err, "changing the firewall"))
		return
	}
	wm.reloads.WithLabelValues("ok").Inc()
	logger.Info("rules reloaded", "chains", len(rs.Chains))
}

func stop(c *controller.Controller, o *watchOptions, logger *slog.Logger) error {
	if !o.cleanupOnExit {
		return nil
	}
	if err := c.CleanUp(); err != nil {
		return explain(err, "changing the firewall")
	}
	logger.Info("removed the owner's rules", "owner", o.flags.target.owner)
	return nil
}

// watchMetrics are the watch loop's own metrics, next to the controller's.
type watchMetrics struct {
	reloads     *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	lastFailed  prometheus.Gauge
}

func newWatchMetrics(reg prometheus.Registerer) *watchMetrics {
	m := &watchMetrics{
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "nftsync", Name: "reloads_total",
			Help: "Reloads of the rule files on a change or SIGHUP, by result (ok, error).",
		}, []string{"result"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "nftsync", Name: "last_success_timestamp_seconds",
			Help: "Unix time of the last successful apply or reconcile.",
		}),
		lastFailed: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "nftsync", Name: "last_reconcile_failed",
			Help: "1 if the last apply or reconcile failed, else 0.",
		}),
	}
	reg.MustRegister(m.reloads, m.lastSuccess, m.lastFailed)
	return m
}

func (m *watchMetrics) record(err error) {
	if err != nil {
		m.lastFailed.Set(1)
		return
	}
	m.lastFailed.Set(0)
	m.lastSuccess.SetToCurrentTime()
}

// firstApply applies rs. With --wait it may wait long for another writer
// of the owner, so a SIGTERM or SIGINT meanwhile ends the watch at once
// (should the apply have begun, the nftables engine's batch is atomic).
func firstApply(c *controller.Controller, rs *firewall.Ruleset, wait bool, sigs <-chan os.Signal, logger *slog.Logger) error {
	if !wait {
		return c.SetRuleset(rs)
	}
	done := make(chan error, 1)
	go func() { done <- c.SetRuleset(rs) }()
	for {
		select {
		case err := <-done:
			return err
		case s := <-sigs:
			if s == syscall.SIGHUP {
				continue
			}
			logger.Info("stopping before the first apply", "signal", s.String())
			return fmt.Errorf("stopped by %s before the rules were applied", s)
		}
	}
}
