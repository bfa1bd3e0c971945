package controller

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// recordingHandler keeps every record it is given.
type recordingHandler struct {
	mu      sync.Mutex
	records []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Level.String()+" "+r.Message)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// TestQuietByDefault: a controller given no logger writes nothing, neither
// to slog's default logger nor to stderr, through a whole life with
// changes, a repair and a clean-up, with each backend choice. Given a
// logger, a change is one line at Info.
func TestQuietByDefault(t *testing.T) {
	ns := netnstest.New(t)
	rules := []Rule{
		NewIPv4Chain("nat", "KILO-NAT"),
		NewIPv4Rule("nat", "POSTROUTING", "-s", "10.2.1.0/24", "-j", "KILO-NAT"),
		NewIPv4Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
	}
	life := func(t *testing.T, opts ...Option) {
		c, err := New(append([]Option{WithNetNS(ns.Path), WithStateDir(t.TempDir())}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Set(rules); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(rules[:2]); err != nil {
			t.Fatal(err)
		}
		if err := c.Reconcile(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Current(); err != nil {
			t.Fatal(err)
		}
		if err := c.CleanUp(); err != nil {
			t.Fatal(err)
		}
	}

	rec := &recordingHandler{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	defer slog.SetDefault(old)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	var captured bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&captured, r); close(done) }()
	for _, backend := range []string{BackendNFTables, BackendAuto, BackendIPTables} {
		t.Run(backend, func(t *testing.T) {
			if backend == BackendIPTables {
				netnstest.RequireBinary(t, "iptables-nft-restore")
			}
			life(t, WithBackend(backend))
		})
	}
	os.Stderr = stderr
	w.Close()
	<-done
	if len(rec.records) > 0 {
		t.Errorf("the controller logged on slog's default logger without being given one: %q", rec.records)
	}
	if captured.Len() > 0 {
		t.Errorf("the controller wrote to stderr:\n%s", captured.String())
	}

	given := &recordingHandler{}
	life(t, WithLogger(slog.New(given)))
	var info int
	for _, r := range given.records {
		if r[:4] == "INFO" {
			info++
		}
	}
	// Two Sets change something, the Reconcile and the clean-up do not
	// log a change (CleanUp is logged by its caller).
	if info != 2 {
		t.Errorf("%d Info lines for two changes, want 2: %q", info, given.records)
	}
}
