package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// health is the state /healthz reports: healthy while the last apply or
// reconcile succeeded and happened within maxAge (a stuck loop is not
// healthy).
type health struct {
	maxAge time.Duration

	mu      sync.Mutex
	lastErr error
	lastRun time.Time
}

func newHealth(maxAge time.Duration) *health { return &health{maxAge: maxAge} }

func (h *health) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr, h.lastRun = err, time.Now()
}

// check returns nil when healthy, else why not.
func (h *health) check(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.lastRun.IsZero():
		return errors.New("no reconcile yet")
	case h.lastErr != nil:
		return fmt.Errorf("last reconcile failed: %w", h.lastErr)
	case now.Sub(h.lastRun) > h.maxAge:
		return fmt.Errorf("no reconcile for %v", now.Sub(h.lastRun).Round(time.Second))
	}
	return nil
}

func (h *health) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.check(time.Now()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintln(w, "ok")
}

// metricsServer serves /metrics and /healthz.
type metricsServer struct {
	addr string
	srv  *http.Server
}

// serveMetrics listens on addr (so a busy port fails at once) and serves in
// the background; a later serving error arrives on the channel.
func serveMetrics(addr string, reg *prometheus.Registry, h *health) (*metricsServer, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics server: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("/healthz", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return &metricsServer{addr: ln.Addr().String(), srv: srv}, errc, nil
}

func (m *metricsServer) shutdown(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(ctx); err != nil {
		logger.Warn("stopping the metrics server", "err", err)
	}
}
