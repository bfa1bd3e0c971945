// Package fake is an in-memory firewall.Backend for the unit tests of code
// that uses nftsync: no kernel, no root, no network namespace. It plans and
// applies like the real engines (rules compared by meaning, kept where
// they can stay, the same kinds of Change), keeps the owned state in
// memory, and lets a test look at it (Dump), change it behind the
// controller's back (Drift) and make the next change fail (FailNext).
//
// Use it through the controller:
//
//	fw := fake.New()
//	c, _ := controller.New(controller.WithEngine(fw))
//
// as knftables' Fake stands in for nft.
package fake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/lcs"
	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
)

// Backend is the fake engine. Its zero value is not ready; use New. It is
// safe for concurrent use.
type Backend struct {
	mu      sync.Mutex
	state   []*firewall.Chain // the owned state, in the order it was applied
	failErr error
	closed  bool
	applies int
	last    *firewall.Plan
}

var _ firewall.Backend = (*Backend)(nil)

// ErrClosed is returned by every call after Close.
var ErrClosed = errors.New("fake firewall backend: closed")

// New returns a fake engine that owns nothing.
func New() *Backend { return &Backend{} }

// Name returns "fake".
func (b *Backend) Name() string { return "fake" }

// Plan returns what Apply would change, changing nothing.
func (b *Backend) Plan(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.checkDesired(ctx, desired); err != nil {
		return nil, err
	}
	return plan(b.state, desired), nil
}

// Apply makes the owned state equal desired and returns what it changed.
// After FailNext it changes nothing and returns that error, as a real
// engine does when the kernel refuses a transaction.
func (b *Backend) Apply(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.checkDesired(ctx, desired); err != nil {
		return nil, err
	}
	if err := b.takeFailure(); err != nil {
		return nil, err
	}
	p := plan(b.state, desired)
	b.state = clone(desired.Chains)
	b.applies++
	b.last = p
	return p, nil
}

// Read returns a copy of the owned state.
func (b *Backend) Read(ctx context.Context) (*firewall.Ruleset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(ctx); err != nil {
		return nil, err
	}
	return &firewall.Ruleset{Chains: clone(b.state)}, nil
}

// CleanUp removes everything owned (or, after FailNext, fails).
func (b *Backend) CleanUp(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(ctx); err != nil {
		return err
	}
	if err := b.takeFailure(); err != nil {
		return err
	}
	b.state = nil
	return nil
}

// Close makes every later call fail with ErrClosed.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// Dump returns the owned state of a family in iptables-save format, as
// `nftsync list` prints it: what a test compares with what it expects.
func (b *Backend) Dump(fam rule.Family) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out strings.Builder
	if err := iptsave.Write(&out, &firewall.Ruleset{Chains: b.state}, fam); err != nil {
		return fmt.Sprintf("# dump failed: %v\n", err)
	}
	return out.String()
}

// Drift lets change edit the owned state as someone else would, so that
// the next Apply (a reconcile) has something to repair. Rules the edit
// adds must be parsed (rule.Parse).
func (b *Backend) Drift(change func(*firewall.Ruleset)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rs := &firewall.Ruleset{Chains: clone(b.state)}
	change(rs)
	b.state = clone(rs.Chains)
}

// FailNext makes the next Apply or CleanUp fail with err and change
// nothing.
func (b *Backend) FailNext(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failErr = err
}

// Applies returns how many Apply calls succeeded, and the plan of the last.
func (b *Backend) Applies() (int, *firewall.Plan) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.applies, b.last
}

func (b *Backend) check(ctx context.Context) error {
	if b.closed {
		return ErrClosed
	}
	return ctx.Err()
}

// checkDesired is check, then the validation a real engine does first.
func (b *Backend) checkDesired(ctx context.Context, desired *firewall.Ruleset) error {
	if err := b.check(ctx); err != nil {
		return err
	}
	return desired.Validate()
}

func (b *Backend) takeFailure() error {
	err := b.failErr
	b.failErr = nil
	return err
}

// clone copies chains deeply enough that neither side's edits reach the
// other (parsed rules are never modified, so they are shared). Head is
// dropped: the fake holds no other program's rules, and a real engine
// reads a chain without them as all appended (what Read, Dump and
// `nftsync list` show).
func clone(chains []*firewall.Chain) []*firewall.Chain {
	out := make([]*firewall.Chain, len(chains))
	for i, c := range chains {
		cc := *c
		cc.Head = 0
		cc.Rules = append([]firewall.Rule(nil), c.Rules...)
		out[i] = &cc
	}
	return out
}

type chainKey struct {
	fam         rule.Family
	table, name string
}

// plan lists the changes from have to want as the nftables engine does:
// per desired chain a new chain or a new policy, then the rules that go
// (at their old positions) and those that come (at their new ones), the
// rules that stay matched by a longest common subsequence of their keys;
// then the chains that go, their rules first.
func plan(have []*firewall.Chain, want *firewall.Ruleset) *firewall.Plan {
	p := &firewall.Plan{}
	add := func(op firewall.Op, c *firewall.Chain, r string, pos int) {
		p.Changes = append(p.Changes, firewall.Change{Op: op, Family: c.Family, Table: c.Table, Chain: c.Name, Rule: r, Position: pos})
	}
	byKey := map[chainKey]*firewall.Chain{}
	for _, c := range have {
		byKey[chainKey{c.Family, c.Table, c.Name}] = c
	}
	wanted := map[chainKey]bool{}
	for _, wc := range want.Chains {
		wanted[chainKey{wc.Family, wc.Table, wc.Name}] = true
		hc := byKey[chainKey{wc.Family, wc.Table, wc.Name}]
		if hc == nil {
			add(firewall.AddChain, wc, "", 0)
			hc = &firewall.Chain{}
		} else if wc.Builtin() && policy(hc.Policy) != policy(wc.Policy) {
			add(firewall.SetPolicy, wc, policy(wc.Policy), 0)
		}
		ids := map[string]int{}
		wantIDs := make([]int, len(wc.Rules))
		for j, r := range wc.Rules {
			k := r.Spec.Key()
			if _, ok := ids[k]; !ok {
				ids[k] = len(ids)
			}
			wantIDs[j] = ids[k]
		}
		haveIDs := make([]int, len(hc.Rules))
		for i, r := range hc.Rules {
			haveIDs[i] = -1 - i
			if id, ok := ids[r.Spec.Key()]; ok {
				haveIDs[i] = id
			}
		}
		match := lcs.Match(haveIDs, wantIDs)
		kept := make([]bool, len(hc.Rules))
		for _, i := range match {
			if i >= 0 {
				kept[i] = true
			}
		}
		for i, r := range hc.Rules {
			if !kept[i] {
				add(firewall.DeleteRule, wc, r.Spec.String(), i)
			}
		}
		for j, r := range wc.Rules {
			if match[j] < 0 {
				add(firewall.AddRule, wc, r.Spec.String(), j)
			}
		}
	}
	for _, hc := range have {
		if wanted[chainKey{hc.Family, hc.Table, hc.Name}] {
			continue
		}
		for j, r := range hc.Rules {
			add(firewall.DeleteRule, hc, r.Spec.String(), j)
		}
		add(firewall.DeleteChain, hc, "", 0)
	}
	return p
}

// policy returns a built-in chain's policy as the kernel has it.
func policy(p string) string {
	if p == "" {
		return "ACCEPT"
	}
	return p
}
