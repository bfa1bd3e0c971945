package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	h := newHealth(time.Minute)
	now := time.Now()
	if err := h.check(now); err == nil {
		t.Error("healthy before any reconcile")
	}
	h.record(nil)
	if err := h.check(now.Add(time.Second)); err != nil {
		t.Errorf("unhealthy after a success: %v", err)
	}
	if err := h.check(now.Add(2 * time.Minute)); err == nil || !strings.Contains(err.Error(), "no reconcile for") {
		t.Errorf("stale state reported as %v", err)
	}
	h.record(errors.New("kernel said no"))
	if err := h.check(now.Add(time.Second)); err == nil || !strings.Contains(err.Error(), "kernel said no") {
		t.Errorf("failure reported as %v", err)
	}

	for _, tt := range []struct {
		err  error
		code int
		body string
	}{
		{nil, http.StatusOK, "ok\n"},
		{errors.New("boom"), http.StatusServiceUnavailable, "last reconcile failed: boom\n"},
	} {
		h.record(tt.err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != tt.code || rec.Body.String() != tt.body {
			t.Errorf("after %v: /healthz = %d %q, want %d %q", tt.err, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
	}
}
