package controller

import (
	"context"
	"errors"
	"testing"

	"github.com/nftsync/nftsync/firewall/fake"
	"github.com/nftsync/nftsync/rule"
)

// TestContextVariants: each ...Context method hands its context to the
// engine (a cancelled one stops the work, nothing changes), and the Kilo
// signatures behave as the Context ones with a background context.
func TestContextVariants(t *testing.T) {
	fw := fake.New()
	c, err := New(WithEngine(fw))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rules := []Rule{NewIPv4Chain("filter", "KILO-IPIP"), NewIPv4Rule("filter", "KILO-IPIP", "-s", "192.168.0.11", "-j", "ACCEPT")}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.SetContext(cancelled, rules); !errors.Is(err, context.Canceled) {
		t.Errorf("SetContext(cancelled) = %v, want context.Canceled", err)
	}
	if got := fw.Dump(rule.IPv4); got != "" {
		t.Errorf("a cancelled SetContext changed the state:\n%s", got)
	}
	if err := c.Set(rules); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PlanContext(cancelled, rules); !errors.Is(err, context.Canceled) {
		t.Errorf("PlanContext(cancelled) = %v", err)
	}
	if _, err := c.CurrentContext(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("CurrentContext(cancelled) = %v", err)
	}
	if err := c.ReconcileContext(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("ReconcileContext(cancelled) = %v", err)
	}
	if err := c.CleanUpContext(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("CleanUpContext(cancelled) = %v", err)
	}
	if cur, err := c.Current(); err != nil || len(cur.Chains) != 1 || len(cur.Chains[0].Rules) != 1 {
		t.Errorf("state after the cancelled calls: %+v, %v", cur, err)
	}
	if err := c.CleanUp(); err != nil {
		t.Fatal(err)
	}
	if got := fw.Dump(rule.IPv4); got != "" {
		t.Errorf("CleanUp left:\n%s", got)
	}
}
