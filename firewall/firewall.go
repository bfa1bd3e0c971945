// Package firewall describes the state nftsync keeps (ordered chains of
// parsed rules, per family and iptables table) and the Backend interface
// that both engines, nftables over netlink and iptables through go-iptables,
// implement.
package firewall

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// BuiltinChains lists each iptables table's built-in chains, in the order
// iptables-save prints them.
var BuiltinChains = rule.BuiltinChains

// IsBuiltin reports whether chain is a built-in chain of table.
func IsBuiltin(table, chain string) bool { return rule.IsBuiltinChain(table, chain) }

// DefaultOwner is the owner name both engines use when none is given.
const DefaultOwner = "nftsync"

// Rule is one rule of a chain: the parsed rule and how errors name it.
type Rule struct {
	Spec *rule.Rule
	// Label names the rule in errors, e.g. the controller Rule's String():
	// `nat -A POSTROUTING -s 10.4.0.0/16 -j MASQUERADE`. Empty means
	// "TABLE -A CHAIN SPEC" is built from the chain and Spec.
	Label string
}

// Chain is one chain: a built-in chain (with an optional policy) or a
// user-defined one, with its rules in order.
type Chain struct {
	Family rule.Family
	Table  string // iptables table: filter, nat, mangle, raw, security
	Name   string
	// Policy is "ACCEPT" or "DROP" for built-in chains ("" means ACCEPT);
	// always "" for user-defined chains.
	Policy string
	Rules  []Rule
	// Head is how many of Rules, from the first, were prepended (Kilo's
	// AddToPrepend): where the chain is shared with other programs, they
	// go before the others' rules and the rest after them. An engine whose
	// chain holds only the owner's rules just keeps the list order.
	Head int
}

// Builtin reports whether the chain is one of its table's built-in chains.
func (c *Chain) Builtin() bool { return IsBuiltin(c.Table, c.Name) }

// Label returns how errors name rule i of the chain.
func (c *Chain) Label(i int) string {
	if l := c.Rules[i].Label; l != "" {
		return l
	}
	return fmt.Sprintf("%s -A %s %s", c.Table, c.Name, c.Rules[i].Spec)
}

// Ruleset is a whole desired (or observed) state: chains in the order they
// were declared. A (family, table, name) appears at most once.
type Ruleset struct {
	Chains []*Chain
}

// Chain returns the chain with the given identity, or nil.
func (rs *Ruleset) Chain(fam rule.Family, table, name string) *Chain {
	if i := rs.ChainIndex(fam, table, name); i >= 0 {
		return rs.Chains[i]
	}
	return nil
}

// ChainIndex returns where the chain is in rs.Chains, or -1.
func (rs *Ruleset) ChainIndex(fam rule.Family, table, name string) int {
	for i, c := range rs.Chains {
		if c.Family == fam && c.Table == table && c.Name == name {
			return i
		}
	}
	return -1
}

// Validate checks what the kernel would otherwise refuse late: unknown
// tables, duplicate chains, policies on user chains, rules missing or
// parsed for the other family, interfaces where the hook has none, jumps to
// chains that are not declared in the same family and table.
func (rs *Ruleset) Validate() error {
	if err := rs.validateChains(); err != nil {
		return err
	}
	hooks, reached := rs.hooks(false), rs.hooks(true)
	for _, c := range rs.Chains {
		r := reached[c]
		for i := range c.Rules {
			if err := rs.validateRule(c, i, hooks[c], r); err != nil {
				return err
			}
			r = reachedPast(c, i, r)
		}
	}
	return nil
}

// reachedPast is what reaches the rule after rule i of c, when reached
// reaches rule i, as iptables' walk of the chains counts it: nothing past
// a rule that ends the chain (endsChain). iptables checks an unreached
// rule's extensions with no hooks, so xt_policy's --dir in after "-j
// RETURN" in a chain jumped to from OUTPUT is accepted.
func reachedPast(c *Chain, i int, reached xt.Hooks) xt.Hooks {
	if r := c.Rules[i].Spec; r != nil && endsChain(r) {
		return 0
	}
	return reached
}

// reachedAt is the hooks rule i of c is reached from when reached reaches
// the chain (see reachedPast).
func reachedAt(c *Chain, i int, reached xt.Hooks) xt.Hooks {
	for j := 0; j < i && reached != 0; j++ {
		reached = reachedPast(c, j, reached)
	}
	return reached
}

// validateChains checks the chains themselves.
func (rs *Ruleset) validateChains() error {
	seen := map[string]bool{}
	for _, c := range rs.Chains {
		id := fmt.Sprintf("%s %s %s", c.Family, c.Table, c.Name)
		if seen[id] {
			return fmt.Errorf("chain %s %s declared twice (%s)", c.Table, c.Name, c.Family)
		}
		seen[id] = true
		if err := rule.CheckTable(c.Table); err != nil {
			return fmt.Errorf("chain %s: %w", c.Name, err)
		}
		switch {
		case c.Head < 0 || c.Head > len(c.Rules):
			return fmt.Errorf("chain %s %s: %d prepended rules of %d", c.Table, c.Name, c.Head, len(c.Rules))
		case c.Policy != "" && !c.Builtin():
			return fmt.Errorf("chain %s %s: only built-in chains have a policy", c.Table, c.Name)
		case c.Policy != "" && c.Policy != "ACCEPT" && c.Policy != "DROP":
			return fmt.Errorf("chain %s %s: policy must be ACCEPT or DROP, not %q", c.Table, c.Name, c.Policy)
		}
	}
	return nil
}

// validateRule checks rule i of chain c, which is reached from hooks
// along every jump, and from reached along the jumps iptables follows (see
// hooks). It depends on nothing else but which chains rs has.
func (rs *Ruleset) validateRule(c *Chain, i int, hooks, reached xt.Hooks) error {
	r := c.Rules[i]
	switch {
	case r.Spec == nil:
		return fmt.Errorf("chain %s %s: rule %d has no parsed rule", c.Table, c.Name, i)
	case r.Spec.Family != c.Family:
		return &RuleError{Rule: c.Label(i), Err: errors.New("rule parsed for the other address family")}
	}
	if err := checkIfaces(c, r.Spec); err != nil {
		return fmt.Errorf("rule %q: %w", c.Label(i), err)
	}
	if err := r.Spec.CheckHooksReach(hooks, reached); err != nil {
		return &RuleError{Rule: c.Label(i), Err: err}
	}
	j, ok := r.Spec.Target.(*rule.Jump)
	if !ok {
		return nil
	}
	if rs.Chain(c.Family, c.Table, j.Chain) == nil || IsBuiltin(c.Table, j.Chain) {
		return fmt.Errorf("rule %q: jumps to chain %s, which is not a user-defined chain of table %s", c.Label(i), j.Chain, c.Table)
	}
	return nil
}

// hooks returns, for each chain, the netfilter hooks it is reached from:
// a built-in chain's own, and for a user chain those of every chain that
// jumps to it, directly or not (nftables checks an extension's hooks
// along the same jumps). With cut, a jump after a rule that ends the
// chain unconditionally (-j ACCEPT, DROP or RETURN with nothing to match)
// does not count, as iptables' own check of the hooks does not follow it.
func (rs *Ruleset) hooks(cut bool) map[*Chain]xt.Hooks {
	out := make(map[*Chain]xt.Hooks, len(rs.Chains))
	for _, c := range rs.Chains {
		out[c] = rule.ChainHook(c.Table, c.Name)
	}
	for changed := true; changed; {
		changed = false
		for _, c := range rs.Chains {
			if out[c] == 0 {
				continue
			}
			for _, r := range c.Rules {
				if r.Spec == nil {
					continue
				}
				if cut && endsChain(r.Spec) {
					break
				}
				j, ok := r.Spec.Target.(*rule.Jump)
				if !ok {
					continue
				}
				if to := rs.Chain(c.Family, c.Table, j.Chain); to != nil && out[to]|out[c] != out[to] {
					out[to] |= out[c]
					changed = true
				}
			}
		}
	}
	return out
}

// endsChain reports whether no packet gets past the rule as iptables'
// mark_source_chains sees it: an ACCEPT, DROP or RETURN that is
// unconditional(), no match and an all-zero header. "-s 0.0.0.0/0",
// "-d ::/0" and, in IPv4 (ip6tables sets a protocol flag), "-p all" leave
// the header zero, so they end the chain too (measured with
// iptables-legacy-restore: a policy --dir in jumped to after "-A OUTPUT
// -p all -j ACCEPT" is accepted). It reads no text: every Set walks every
// rule here.
func endsChain(r *rule.Rule) bool {
	if r.Target == nil || len(r.Matches) > 0 || r.In.Name != "" || r.Out.Name != "" || r.Fragment {
		return false
	}
	anyAddr := func(a rule.Addr) bool { return !a.Set || !a.Invert && a.Mask.IsUnspecified() }
	if !anyAddr(r.Src) || !anyAddr(r.Dst) {
		return false
	}
	if r.Proto.Set && (r.Proto.Num != 0 || r.Proto.Invert || r.Family == rule.IPv6) {
		return false
	}
	v, ok := r.Target.(*rule.Verdict)
	return ok && (v.Kind == "ACCEPT" || v.Kind == "DROP" || v.Kind == "RETURN")
}

// checkIfaces refuses what iptables refuses: an input interface where
// packets have none yet (OUTPUT, POSTROUTING) and an output interface where
// they have none yet (PREROUTING, INPUT).
func checkIfaces(c *Chain, r *rule.Rule) error {
	if !c.Builtin() {
		return nil
	}
	switch {
	case r.In.Name != "" && (c.Name == "OUTPUT" || c.Name == "POSTROUTING"):
		return fmt.Errorf("-i cannot be used in the %s chain", c.Name)
	case r.Out.Name != "" && (c.Name == "PREROUTING" || c.Name == "INPUT"):
		return fmt.Errorf("-o cannot be used in the %s chain", c.Name)
	}
	return nil
}

// Op is the kind of one planned change.
type Op string

// The kinds of change a plan holds.
const (
	AddChain    Op = "add-chain"
	DeleteChain Op = "delete-chain"
	SetPolicy   Op = "policy"
	AddRule     Op = "add"
	DeleteRule  Op = "delete"
)

// Change is one planned change, described in iptables terms.
type Change struct {
	Op     Op
	Family rule.Family
	Table  string
	Chain  string
	// Rule is the rule added or deleted, in iptables-save form (Spec.String()),
	// or the new policy for SetPolicy.
	Rule string
	// Position is the 0-based index the rule has in the chain once the
	// plan is applied (AddRule), or had before (DeleteRule).
	Position int
}

// String prints the change as a diff line: "+ -A CHAIN RULE" or
// "- -A CHAIN RULE", ":CHAIN POLICY" style for chains.
func (c Change) String() string {
	switch c.Op {
	case AddRule:
		return fmt.Sprintf("+ -A %s %s", c.Chain, c.Rule)
	case DeleteRule:
		return fmt.Sprintf("- -A %s %s", c.Chain, c.Rule)
	case AddChain:
		return fmt.Sprintf("+ -N %s", c.Chain)
	case DeleteChain:
		return fmt.Sprintf("- -X %s", c.Chain)
	case SetPolicy:
		return fmt.Sprintf("~ -P %s %s", c.Chain, c.Rule)
	}
	if c.Rule != "" {
		return string(c.Op) + " " + c.Rule
	}
	return string(c.Op)
}

// Plan is the set of changes that takes the current state to the desired
// one. An empty plan means nothing to do.
type Plan struct {
	Changes []Change
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return p == nil || len(p.Changes) == 0 }

// String prints the plan one change a line.
func (p *Plan) String() string {
	var b strings.Builder
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "%s %s %s\n", c.Family, c.Table, c)
	}
	return b.String()
}

// Backend is an engine that keeps the owned part of a host's firewall equal
// to a desired Ruleset. Implementations must touch nothing they do not own.
type Backend interface {
	// Name names the engine: "nftables", "iptables", or "clients" for
	// the controller's rule-by-rule engine over Kilo-style clients.
	Name() string
	// Plan reads the owned state and returns what Apply would change,
	// changing nothing.
	Plan(ctx context.Context, desired *Ruleset) (*Plan, error)
	// Apply makes the owned state equal desired and returns what it
	// changed. It should be cheap when nothing changed since its last
	// Apply (the nftables engine checks the ruleset generation only).
	//
	// The caller must not modify desired, its chains or the rules they
	// hold once passed: a backend may remember the pointer and treat the
	// same pointer as the same desired state (the nftables engine answers
	// an Apply of the same Ruleset with one generation check, and caches
	// each *rule.Rule's translation). Pass a new Ruleset to change the
	// desired state; it may share the unchanged rules with the old one.
	Apply(ctx context.Context, desired *Ruleset) (*Plan, error)
	// Read returns the owned state as it is now, read from the kernel.
	Read(ctx context.Context) (*Ruleset, error)
	// CleanUp removes everything the backend owns.
	CleanUp(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// Observer receives counts of what a backend does, for metrics and tests.
// Kinds used: "getgen", "dump", "batch", "exec" (one per process spawned),
// "drift" (a repaired difference), and for the iptables engine "check" (a
// dry run in a scratch namespace) and "rollback". A nil Observer is allowed.
type Observer interface {
	Observe(kind string, n int)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(kind string, n int)

// Observe calls f.
func (f ObserverFunc) Observe(kind string, n int) { f(kind, n) }

// RuleError is returned when the kernel (or iptables) refuses a change; it
// names the rule that was refused.
type RuleError struct {
	Rule string // the rule's Label
	Err  error
}

// Error names the rule and the reason.
func (e *RuleError) Error() string { return fmt.Sprintf("rule %q rejected: %v", e.Rule, e.Err) }

// Unwrap returns the reason, for errors.Is and errors.As.
func (e *RuleError) Unwrap() error { return e.Err }

// Counter is an Observer that adds up the counts by kind; it is safe for
// concurrent use. Tests and tools use it to check what an engine did.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Observe adds n to kind.
func (c *Counter) Observe(kind string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind] += n
}

// Get returns the count of kind.
func (c *Counter) Get(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[kind]
}

// Take returns all counts and starts again from zero.
func (c *Counter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	if out == nil {
		out = map[string]int{}
	}
	c.n = nil
	return out
}
