package controller

import (
	"context"
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// clientEngine drives a pair of Clients rule by rule, as Kilo's controller
// did, but compares rules by meaning: a rule listed as `-s 10.0.0.1/32 -p
// ipencap` is the rule `-p 4 -s 10.0.0.1`. It is not atomic; it exists so
// that WithClients keeps working for callers that bring their own client.
type clientEngine struct {
	v4, v6 Client
	// last is what the engine applied last; rules and chains that leave
	// the desired state are deleted from it.
	last *firewall.Ruleset
}

func newClientEngine(v4, v6 Client) *clientEngine {
	return &clientEngine{v4: v4, v6: v6, last: &firewall.Ruleset{}}
}

// Name returns "clients".
func (e *clientEngine) Name() string { return "clients" }

func (e *clientEngine) client(f rule.Family) Client {
	if f == rule.IPv6 {
		return e.v6
	}
	return e.v4
}

// Close does nothing: the clients belong to the caller.
func (e *clientEngine) Close() error { return nil }

// Plan reports the changes Apply would make.
func (e *clientEngine) Plan(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	return e.run(desired, false)
}

// Apply makes the clients' state contain desired, in order.
func (e *clientEngine) Apply(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	plan, err := e.run(desired, true)
	if err == nil {
		e.last = desired
	}
	return plan, err
}

func (e *clientEngine) run(desired *firewall.Ruleset, write bool) (*firewall.Plan, error) {
	plan := &firewall.Plan{}
	do := func(ch firewall.Change, fn func() error) error {
		plan.Changes = append(plan.Changes, ch)
		if !write {
			return nil
		}
		return fn()
	}
	// Rules and chains that left the desired state.
	for _, old := range e.last.Chains {
		c := e.client(old.Family)
		now := desired.Chain(old.Family, old.Table, old.Name)
		if now == nil && !old.Builtin() {
			ch := firewall.Change{Op: firewall.DeleteChain, Family: old.Family, Table: old.Table, Chain: old.Name}
			if err := do(ch, func() error {
				if err := c.ClearChain(old.Table, old.Name); err != nil {
					return err
				}
				return c.DeleteChain(old.Table, old.Name)
			}); err != nil {
				return nil, fmt.Errorf("deleting chain %s %s: %w", old.Table, old.Name, err)
			}
			continue
		}
		for i, r := range old.Rules {
			if now != nil && containsRule(now.Rules, r.Spec) {
				continue
			}
			ch := firewall.Change{Op: firewall.DeleteRule, Family: old.Family, Table: old.Table, Chain: old.Name, Rule: r.Spec.String(), Position: i}
			if err := do(ch, func() error { return c.Delete(old.Table, old.Name, r.Spec.Args()...) }); err != nil {
				return nil, fmt.Errorf("deleting rule %q: %w", old.Label(i), err)
			}
		}
	}
	for _, want := range desired.Chains {
		c := e.client(want.Family)
		if !want.Builtin() {
			chains, err := c.ListChains(want.Table)
			if err != nil {
				return nil, fmt.Errorf("listing chains of %s: %w", want.Table, err)
			}
			if !contains(chains, want.Name) {
				ch := firewall.Change{Op: firewall.AddChain, Family: want.Family, Table: want.Table, Chain: want.Name}
				if err := do(ch, func() error { return c.NewChain(want.Table, want.Name) }); err != nil {
					return nil, fmt.Errorf("creating chain %s %s: %w", want.Table, want.Name, err)
				}
			}
		}
		have, err := listRules(c, want.Family, want.Table, want.Name)
		if err != nil {
			return nil, err
		}
		// Find the first desired rule that is missing or out of order, then
		// re-add it and every rule after it, as Kilo does.
		from, pos := len(want.Rules), 0
		for i, r := range want.Rules {
			j := indexRule(have[pos:], r.Spec)
			if j < 0 {
				from = i
				break
			}
			pos += j + 1
		}
		for i := from; i < len(want.Rules); i++ {
			r := want.Rules[i]
			ch := firewall.Change{Op: firewall.AddRule, Family: want.Family, Table: want.Table, Chain: want.Name, Rule: r.Spec.String(), Position: i}
			if err := do(ch, func() error {
				_ = c.Delete(want.Table, want.Name, r.Spec.Args()...)
				return c.AppendUnique(want.Table, want.Name, r.Spec.Args()...)
			}); err != nil {
				return nil, &firewall.RuleError{Rule: want.Label(i), Err: err}
			}
		}
	}
	return plan, nil
}

// Read lists the chains the engine manages.
func (e *clientEngine) Read(ctx context.Context) (*firewall.Ruleset, error) {
	rs := &firewall.Ruleset{}
	for _, ch := range e.last.Chains {
		have, err := listRules(e.client(ch.Family), ch.Family, ch.Table, ch.Name)
		if err != nil {
			return nil, err
		}
		out := &firewall.Chain{Family: ch.Family, Table: ch.Table, Name: ch.Name}
		for _, r := range have {
			out.Rules = append(out.Rules, firewall.Rule{Spec: r})
		}
		rs.Chains = append(rs.Chains, out)
	}
	return rs, nil
}

// CleanUp deletes every rule and chain the engine applied.
func (e *clientEngine) CleanUp(ctx context.Context) error {
	_, err := e.run(&firewall.Ruleset{}, true)
	if err == nil {
		e.last = &firewall.Ruleset{}
	}
	return err
}

// listRules lists a chain through the client and parses its rules; a rule
// nftsync cannot parse is kept out (it cannot be one of ours).
func listRules(c Client, fam rule.Family, table, chain string) ([]*rule.Rule, error) {
	lines, err := c.List(table, chain)
	if err != nil {
		if isNoChain(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing %s %s: %w", table, chain, err)
	}
	var out []*rule.Rule
	for _, l := range lines {
		args, err := rule.SplitArgs(l)
		if err != nil || len(args) < 2 || args[0] != "-A" {
			continue
		}
		if r, err := rule.Parse(fam, args[2:]); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func isNoChain(err error) bool {
	s := err.Error()
	return strings.Contains(s, "No chain") || strings.Contains(s, "does not exist")
}

func indexRule(rs []*rule.Rule, r *rule.Rule) int {
	for i, x := range rs {
		if x.Equal(r) {
			return i
		}
	}
	return -1
}

func containsRule(rs []firewall.Rule, r *rule.Rule) bool {
	for _, x := range rs {
		if x.Spec.Equal(r) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
