package controller

import (
	"context"
	"fmt"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// EngineClient is a Client on top of an engine: each call reads the owned
// state from the kernel, changes it, and applies it atomically. It lets
// `rule.Add(client)` work on nftables. Its rules live in the owner's tables,
// so a Controller with the same owner treats them as drift: use a distinct
// owner for each.
type EngineClient struct {
	fam    rule.Family
	engine firewall.Backend
}

// NewClient returns a Client for the given protocol on the engine chosen by
// opts (nftables in the current namespace by default; WithOwner,
// WithNetNS and WithBackend apply).
func NewClient(proto Protocol, opts ...Option) (*EngineClient, error) {
	o := options{owner: DefaultOwner, backend: BackendNFTables}
	for _, opt := range opts {
		opt(&o)
	}
	engine := o.engine
	if engine == nil {
		var err error
		if engine, err = newEngine(o, o.observer); err != nil {
			return nil, err
		}
	}
	return &EngineClient{fam: proto.family(), engine: engine}, nil
}

// Close releases the engine.
func (c *EngineClient) Close() error { return c.engine.Close() }

// ExitError mimics go-iptables' *iptables.Error for callers that check the
// exit status (Kilo's chain Exists checks for 1, "chain already exists").
type ExitError struct {
	Status int
	Msg    string
}

// Error returns the message.
func (e *ExitError) Error() string { return e.Msg }

// ExitStatus returns the iptables-like exit status.
func (e *ExitError) ExitStatus() int { return e.Status }

// IsNotExist reports whether the error means a missing rule or chain, like
// go-iptables' Error.IsNotExist.
func (e *ExitError) IsNotExist() bool {
	return e.Msg == "no such rule" || e.Msg == "no such chain"
}

// update reads the state, lets fn change it, and applies the result.
func (c *EngineClient) update(fn func(rs *firewall.Ruleset) error) error {
	ctx := context.Background()
	rs, err := c.engine.Read(ctx)
	if err != nil {
		return fmt.Errorf("reading the current state: %w", err)
	}
	if err := fn(rs); err != nil {
		return err
	}
	if err := rs.Validate(); err != nil {
		return err
	}
	if _, err := c.engine.Apply(ctx, rs); err != nil {
		return fmt.Errorf("applying: %w", err)
	}
	return nil
}

// parse parses a rule's arguments into the rules iptables makes of them
// (one per address pair of -s a,b -d c,d).
func (c *EngineClient) parse(table, chain string, spec []string) ([]*rule.Rule, error) {
	if err := rule.CheckTable(table); err != nil {
		return nil, err
	}
	rs, err := rule.ParseRules(c.fam, spec)
	if err != nil {
		return nil, fmt.Errorf("invalid rule %s -A %s %v: %w", table, chain, spec, err)
	}
	return rs, nil
}

// containsAll reports whether every rule of want is in rules, as iptables
// -C checks each rule of an address list.
func containsAll(rules []firewall.Rule, want []*rule.Rule) bool {
	for _, r := range want {
		if !containsRule(rules, r) {
			return false
		}
	}
	return true
}

// chain returns the chain, creating a built-in one on first use.
func (c *EngineClient) chain(rs *firewall.Ruleset, table, name string) (*firewall.Chain, error) {
	if ch := rs.Chain(c.fam, table, name); ch != nil {
		return ch, nil
	}
	if !firewall.IsBuiltin(table, name) {
		return nil, &ExitError{Status: 1, Msg: "no such chain"}
	}
	ch := &firewall.Chain{Family: c.fam, Table: table, Name: name}
	rs.Chains = append(rs.Chains, ch)
	return ch, nil
}

// AppendUnique appends the rule unless an equal rule is in the chain (as
// go-iptables: -C, then -A; with -s a,b, -A appends every rule of the list
// unless all are there).
func (c *EngineClient) AppendUnique(table, chain string, spec ...string) error {
	want, err := c.parse(table, chain, spec)
	if err != nil {
		return err
	}
	return c.update(func(rs *firewall.Ruleset) error {
		ch, err := c.chain(rs, table, chain)
		if err != nil {
			return err
		}
		if containsAll(ch.Rules, want) {
			return nil
		}
		for _, r := range want {
			ch.Rules = append(ch.Rules, firewall.Rule{Spec: r})
		}
		return nil
	})
}

// Delete removes the first rule equal to spec (each rule of an address
// list; nothing when one is missing, as iptables -D).
func (c *EngineClient) Delete(table, chain string, spec ...string) error {
	want, err := c.parse(table, chain, spec)
	if err != nil {
		return err
	}
	return c.update(func(rs *firewall.Ruleset) error {
		ch := rs.Chain(c.fam, table, chain)
		if ch == nil {
			return &ExitError{Status: 1, Msg: "no such chain"}
		}
		kept := append([]firewall.Rule(nil), ch.Rules...)
	next:
		for _, r := range want {
			for i, x := range kept {
				if x.Spec.Equal(r) {
					kept = append(kept[:i], kept[i+1:]...)
					continue next
				}
			}
			return &ExitError{Status: 1, Msg: "no such rule"}
		}
		ch.Rules = kept
		return nil
	})
}

// Exists reports whether an equal rule is in the chain (every rule of an
// address list, as iptables -C).
func (c *EngineClient) Exists(table, chain string, spec ...string) (bool, error) {
	want, err := c.parse(table, chain, spec)
	if err != nil {
		return false, err
	}
	rs, err := c.engine.Read(context.Background())
	if err != nil {
		return false, err
	}
	ch := rs.Chain(c.fam, table, chain)
	return ch != nil && containsAll(ch.Rules, want), nil
}

// List returns the chain as `iptables -S CHAIN` prints it.
func (c *EngineClient) List(table, chain string) ([]string, error) {
	rs, err := c.engine.Read(context.Background())
	if err != nil {
		return nil, err
	}
	ch := rs.Chain(c.fam, table, chain)
	var out []string
	switch {
	case ch == nil && !firewall.IsBuiltin(table, chain):
		return nil, &ExitError{Status: 1, Msg: "no such chain"}
	case firewall.IsBuiltin(table, chain):
		policy := "ACCEPT"
		if ch != nil && ch.Policy != "" {
			policy = ch.Policy
		}
		out = append(out, "-P "+chain+" "+policy)
	default:
		out = append(out, "-N "+chain)
	}
	if ch != nil {
		for _, r := range ch.Rules {
			out = append(out, "-A "+chain+" "+r.Spec.String())
		}
	}
	return out, nil
}

// ClearChain empties the chain, creating it if needed.
func (c *EngineClient) ClearChain(table, chain string) error {
	if err := rule.CheckTable(table); err != nil {
		return err
	}
	return c.update(func(rs *firewall.Ruleset) error {
		if ch := rs.Chain(c.fam, table, chain); ch != nil {
			ch.Rules = nil
			return nil
		}
		rs.Chains = append(rs.Chains, &firewall.Chain{Family: c.fam, Table: table, Name: chain})
		return nil
	})
}

// DeleteChain removes an empty user-defined chain.
func (c *EngineClient) DeleteChain(table, chain string) error {
	return c.update(func(rs *firewall.Ruleset) error {
		for i, ch := range rs.Chains {
			if ch.Family == c.fam && ch.Table == table && ch.Name == chain {
				if len(ch.Rules) > 0 {
					return &ExitError{Status: 1, Msg: "chain is not empty"}
				}
				rs.Chains = append(rs.Chains[:i], rs.Chains[i+1:]...)
				return nil
			}
		}
		return &ExitError{Status: 1, Msg: "no such chain"}
	})
}

// NewChain creates a user-defined chain; it fails with exit status 1 if
// the chain exists, as iptables -N does.
func (c *EngineClient) NewChain(table, chain string) error {
	if err := rule.CheckTable(table); err != nil {
		return err
	}
	return c.update(func(rs *firewall.Ruleset) error {
		if rs.Chain(c.fam, table, chain) != nil || firewall.IsBuiltin(table, chain) {
			return &ExitError{Status: 1, Msg: "chain already exists"}
		}
		rs.Chains = append(rs.Chains, &firewall.Chain{Family: c.fam, Table: table, Name: chain})
		return nil
	})
}

// ListChains returns the table's built-in chains followed by its
// user-defined ones, as iptables does.
func (c *EngineClient) ListChains(table string) ([]string, error) {
	if err := rule.CheckTable(table); err != nil {
		return nil, err
	}
	rs, err := c.engine.Read(context.Background())
	if err != nil {
		return nil, err
	}
	out := append([]string(nil), firewall.BuiltinChains[table]...)
	for _, ch := range rs.Chains {
		if ch.Family == c.fam && ch.Table == table && !ch.Builtin() {
			out = append(out, ch.Name)
		}
	}
	return out, nil
}

var _ Client = (*EngineClient)(nil)
