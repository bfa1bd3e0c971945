package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// clientEngine drives a pair of Clients rule by rule, as Kilo's controller
// did, but compares rules by meaning: a rule listed as `-s 10.0.0.1/32 -p
// ipencap` is the rule `-p 4 -s 10.0.0.1`. It is not atomic; it exists so
// that WithClients keeps working for callers that bring their own client.
//
// The clients' chains are shared with other programs, so placement matters:
// a chain's Head rules (Kilo's prepends) are inserted at its top, the others
// appended at its end, and only the relative order of the desired rules is
// kept (foreign rules between them are left alone).
type clientEngine struct {
	v4, v6 Client
	// last is what the engine applied last; rules and chains that leave
	// the desired state are deleted from it.
	last *firewall.Ruleset
}

// inserter is the part of go-iptables' client (and of Kilo's newer Client)
// that places a rule at a position (1 is the top of the chain).
type inserter interface {
	InsertUnique(table, chain string, pos int, rule ...string) error
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

// clientRun is one Plan or Apply: the changes made so far and what each
// chain holds, listed once and then kept up to date with the changes.
type clientRun struct {
	e     *clientEngine
	write bool
	plan  *firewall.Plan
	// chains maps family/table/chain to its rules in chain order (nil
	// entries are rules nftsync cannot parse: foreign, but they count
	// for positions); a missing key means not listed yet, a present nil
	// slice with gone[k] set means the chain does not exist.
	chains map[string][]*rule.Rule
	gone   map[string]bool
}

func chainKey(fam rule.Family, table, chain string) string {
	return fam.String() + "/" + table + "/" + chain
}

// do records a change and, when writing, makes it.
func (r *clientRun) do(ch firewall.Change, fn func() error) error {
	r.plan.Changes = append(r.plan.Changes, ch)
	if !r.write {
		return nil
	}
	return fn()
}

// list returns the chain's rules, listing it on first use; exists is false
// when the chain does not exist.
func (r *clientRun) list(fam rule.Family, table, chain string) (rules []*rule.Rule, exists bool, err error) {
	k := chainKey(fam, table, chain)
	if rs, ok := r.chains[k]; ok {
		return rs, !r.gone[k], nil
	}
	rs, exists, err := listRules(r.e.client(fam), fam, table, chain)
	if err != nil {
		return nil, false, err
	}
	r.chains[k], r.gone[k] = rs, !exists
	return rs, exists, nil
}

func (e *clientEngine) run(desired *firewall.Ruleset, write bool) (*firewall.Plan, error) {
	r := &clientRun{e: e, write: write, plan: &firewall.Plan{}, chains: map[string][]*rule.Rule{}, gone: map[string]bool{}}
	// Rules that left the desired state go first, so that a jump to a
	// chain that leaves is gone before the chain is deleted.
	var leaving []*firewall.Chain
	for _, old := range e.last.Chains {
		now := desired.Chain(old.Family, old.Table, old.Name)
		if now == nil && !old.Builtin() {
			leaving = append(leaving, old)
			continue
		}
		for i, fr := range old.Rules {
			if now != nil && containsRule(now.Rules, fr.Spec) {
				continue
			}
			if err := r.deleteRule(old.Family, old.Table, old.Name, fr.Spec, i); err != nil {
				return nil, fmt.Errorf("deleting rule %q: %w", old.Label(i), err)
			}
		}
	}
	// Chains that left: emptied first, all of them, since they may jump
	// to each other; then deleted.
	for _, old := range leaving {
		c := r.e.client(old.Family)
		ch := firewall.Change{Op: firewall.DeleteChain, Family: old.Family, Table: old.Table, Chain: old.Name}
		if err := r.do(ch, func() error { return c.ClearChain(old.Table, old.Name) }); err != nil {
			return nil, fmt.Errorf("flushing chain %s %s: %w", old.Table, old.Name, err)
		}
	}
	for _, old := range leaving {
		c := r.e.client(old.Family)
		if !r.write {
			continue
		}
		if err := c.DeleteChain(old.Table, old.Name); err != nil {
			return nil, fmt.Errorf("deleting chain %s %s: %w", old.Table, old.Name, err)
		}
	}
	// User chains before the rules that may jump to them.
	for _, want := range desired.Chains {
		if want.Builtin() {
			continue
		}
		_, exists, err := r.list(want.Family, want.Table, want.Name)
		if err != nil {
			return nil, err
		}
		if exists {
			continue
		}
		c := r.e.client(want.Family)
		ch := firewall.Change{Op: firewall.AddChain, Family: want.Family, Table: want.Table, Chain: want.Name}
		if err := r.do(ch, func() error { return c.NewChain(want.Table, want.Name) }); err != nil {
			return nil, fmt.Errorf("creating chain %s %s: %w", want.Table, want.Name, err)
		}
		r.gone[chainKey(want.Family, want.Table, want.Name)] = false
	}
	for _, want := range desired.Chains {
		if err := r.place(want); err != nil {
			return nil, err
		}
	}
	return r.plan, nil
}

// deleteRule deletes the first rule of the chain equal to spec, if any.
func (r *clientRun) deleteRule(fam rule.Family, table, chain string, spec *rule.Rule, pos int) error {
	have, _, err := r.list(fam, table, chain)
	if err != nil {
		return err
	}
	j := indexRule(have, 0, spec)
	if j < 0 {
		return nil
	}
	c := r.e.client(fam)
	ch := firewall.Change{Op: firewall.DeleteRule, Family: fam, Table: table, Chain: chain, Rule: spec.String(), Position: pos}
	if err := r.do(ch, func() error { return c.Delete(table, chain, spec.Args()...) }); err != nil {
		return err
	}
	r.chains[chainKey(fam, table, chain)] = append(have[:j:j], have[j+1:]...)
	return nil
}

// place makes the desired rules of a chain appear in it in order: the Head
// rules in front of every other rule, then the rest. Rules that are already
// in desired relative order stay; from the first one that is missing or out
// of order, the remaining rules of its part (head or tail) are deleted and
// added again, as Kilo re-adds every rule after a missing one.
func (r *clientRun) place(want *firewall.Chain) error {
	rules, head := uniqueRules(want)
	k := chainKey(want.Family, want.Table, want.Name)
	if _, _, err := r.list(want.Family, want.Table, want.Name); err != nil {
		return err
	}
	c := r.e.client(want.Family)
	// pos is where the next desired rule may be found: after the last
	// one that matched.
	pos, from := 0, head
	for i := 0; i < head; i++ {
		j := indexRule(r.chains[k], pos, rules[i].Spec)
		if j < 0 {
			from = i
			break
		}
		pos = j + 1
	}
	if from < head {
		ins, ok := c.(inserter)
		if !ok {
			return fmt.Errorf("chain %s %s: the client (%T) cannot insert rules at the top of a chain (no InsertUnique)", want.Table, want.Name, c)
		}
		for i := from; i < head; i++ {
			if err := r.deleteRule(want.Family, want.Table, want.Name, rules[i].Spec, i); err != nil {
				return &firewall.RuleError{Rule: labelOf(want, rules[i]), Err: err}
			}
		}
		at := 0
		if from > 0 {
			at = indexRule(r.chains[k], 0, rules[from-1].Spec) + 1
		}
		for i := from; i < head; i++ {
			fr := rules[i]
			ch := firewall.Change{Op: firewall.AddRule, Family: want.Family, Table: want.Table, Chain: want.Name, Rule: fr.Spec.String(), Position: i}
			if err := r.do(ch, func() error { return ins.InsertUnique(want.Table, want.Name, at+1, fr.Spec.Args()...) }); err != nil {
				return &firewall.RuleError{Rule: labelOf(want, fr), Err: err}
			}
			have := r.chains[k]
			r.chains[k] = append(have[:at:at], append([]*rule.Rule{fr.Spec}, have[at:]...)...)
			at++
		}
		pos = at
	}
	from = len(rules)
	for i := head; i < len(rules); i++ {
		j := indexRule(r.chains[k], pos, rules[i].Spec)
		if j < 0 {
			from = i
			break
		}
		pos = j + 1
	}
	for i := from; i < len(rules); i++ {
		if err := r.deleteRule(want.Family, want.Table, want.Name, rules[i].Spec, i); err != nil {
			return &firewall.RuleError{Rule: labelOf(want, rules[i]), Err: err}
		}
	}
	for i := from; i < len(rules); i++ {
		fr := rules[i]
		ch := firewall.Change{Op: firewall.AddRule, Family: want.Family, Table: want.Table, Chain: want.Name, Rule: fr.Spec.String(), Position: i}
		if err := r.do(ch, func() error { return c.AppendUnique(want.Table, want.Name, fr.Spec.Args()...) }); err != nil {
			return &firewall.RuleError{Rule: labelOf(want, fr), Err: err}
		}
		r.chains[k] = append(r.chains[k], fr.Spec)
	}
	return nil
}

// uniqueRules returns the chain's rules without those equal in meaning to
// an earlier one (a client's AppendUnique or InsertUnique would not add
// them, and looking for them would re-add every later rule on every run),
// and how many of them are head rules.
func uniqueRules(c *firewall.Chain) ([]firewall.Rule, int) {
	seen := make(map[string]bool, len(c.Rules))
	out := make([]firewall.Rule, 0, len(c.Rules))
	head := 0
	for i, fr := range c.Rules {
		key := fr.Spec.Key()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, fr)
		if i < c.Head {
			head++
		}
	}
	return out, head
}

// labelOf names a rule of the chain in errors.
func labelOf(c *firewall.Chain, fr firewall.Rule) string {
	if fr.Label != "" {
		return fr.Label
	}
	return fmt.Sprintf("%s -A %s %s", c.Table, c.Name, fr.Spec)
}

// Read lists the chains the engine manages.
func (e *clientEngine) Read(ctx context.Context) (*firewall.Ruleset, error) {
	rs := &firewall.Ruleset{}
	for _, ch := range e.last.Chains {
		have, _, err := listRules(e.client(ch.Family), ch.Family, ch.Table, ch.Name)
		if err != nil {
			return nil, err
		}
		rs.Chains = append(rs.Chains, ownedPart(ch, have))
	}
	return rs, nil
}

// ownedPart returns what of a listed chain is the owner's, given the chain
// last applied. A chain of the owner's own holds only its rules, whatever
// they are now. A built-in chain is shared: its rules are those equal in
// meaning to the ones applied, each once as Apply adds it (uniqueRules),
// in chain order,
// and its Head the number of them before the first other rule (0 with
// none), as the nftables engine reports a placed chain: the iptables-save
// listing writes them as -I.
func ownedPart(last *firewall.Chain, have []*rule.Rule) *firewall.Chain {
	out := &firewall.Chain{Family: last.Family, Table: last.Table, Name: last.Name}
	if !firewall.IsBuiltin(last.Table, last.Name) {
		for _, r := range have {
			if r != nil {
				out.Rules = append(out.Rules, firewall.Rule{Spec: r})
			}
		}
		return out
	}
	applied, _ := uniqueRules(last)
	left := make(map[string]bool, len(applied))
	for _, r := range applied {
		left[r.Spec.Key()] = true
	}
	foreign := false
	for _, r := range have {
		if r != nil {
			if k := r.Key(); left[k] {
				left[k] = false
				out.Rules = append(out.Rules, firewall.Rule{Spec: r})
				continue
			}
		}
		if !foreign {
			foreign, out.Head = true, len(out.Rules)
		}
	}
	return out
}

// CleanUp deletes every rule and chain the engine applied: rules first
// (among them the jumps to its chains), then its chains.
func (e *clientEngine) CleanUp(ctx context.Context) error {
	_, err := e.run(&firewall.Ruleset{}, true)
	if err == nil {
		e.last = &firewall.Ruleset{}
	}
	return err
}

// listRules lists a chain through the client and parses its rules, in chain
// order; a rule nftsync cannot parse is a nil entry (it cannot be one of
// ours, but it has a position). exists is false for a missing chain.
func listRules(c Client, fam rule.Family, table, chain string) (rules []*rule.Rule, exists bool, err error) {
	lines, err := c.List(table, chain)
	if err != nil {
		if isNoChain(err) || !hasChain(c, table, chain) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("listing %s %s: %w", table, chain, err)
	}
	var out []*rule.Rule
	for _, l := range lines {
		args, err := rule.SplitArgs(l)
		if err != nil || len(args) < 2 || args[0] != "-A" {
			if strings.HasPrefix(l, "-A ") {
				out = append(out, nil)
			}
			continue
		}
		r, err := rule.Parse(fam, args[2:])
		if err != nil {
			r = nil
		}
		out = append(out, r)
	}
	return out, true, nil
}

// hasChain reports whether the table has the chain, as far as ListChains
// can tell. It decides what a List error means when the error does not say:
// iptables-nft 1.8.9 calls a missing chain "incompatible".
func hasChain(c Client, table, chain string) bool {
	chains, err := c.ListChains(table)
	if err != nil {
		return true
	}
	for _, x := range chains {
		if x == chain {
			return true
		}
	}
	return false
}

// isNoChain reports whether a List error means the chain does not exist:
// go-iptables' and ExitError's IsNotExist, or iptables' own message.
func isNoChain(err error) bool {
	var ne interface{ IsNotExist() bool }
	if errors.As(err, &ne) && ne.IsNotExist() {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "No chain") || strings.Contains(s, "does not exist")
}

// indexRule returns the index of the first rule of rs at or after from that
// is equal to r, or -1.
func indexRule(rs []*rule.Rule, from int, r *rule.Rule) int {
	for i := from; i < len(rs); i++ {
		if rs[i] != nil && rs[i].Equal(r) {
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
