package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// hookLimited is an extension whose hooks depend on its options (policy
// --dir in or out), beyond those of its kernel registration.
type hookLimited interface {
	hooks() xt.Hooks
}

// chainHooks maps a built-in chain name to its netfilter hook.
var chainHooks = map[string]xt.Hooks{
	"PREROUTING":  xt.PreRouting,
	"INPUT":       xt.LocalIn,
	"FORWARD":     xt.Forward,
	"OUTPUT":      xt.LocalOut,
	"POSTROUTING": xt.PostRouting,
}

// ChainHook returns the hook of a built-in chain of table, or 0 for a
// user-defined chain (whose hooks are those of the chains that jump to it).
func ChainHook(table, chain string) xt.Hooks {
	if !IsBuiltinChain(table, chain) {
		return 0
	}
	return chainHooks[chain]
}

// CheckHooks refuses, as the kernel does when the rule is added, a match
// or target used from hooks its kernel extension does not accept (xt_owner
// outside OUTPUT and POSTROUTING, ...): h are the hooks the rule's chain is
// reached from. The extensions' hooks are those of the registry in
// package rule/xt, whether the rule installs the extension or its native
// translation: iptables refuses such a rule either way.
func (r *Rule) CheckHooks(h xt.Hooks) error {
	if err := r.checkProtos(); err != nil { // the same kind of kernel check
		return err
	}
	for _, m := range r.Matches {
		if l, ok := m.(hookLimited); ok && h&^l.hooks() != 0 {
			return fmt.Errorf("-m %s: %s is used from %s but the kernel accepts it only from %s", m.Name(), strings.Join(m.args(), " "), h&^l.hooks(), l.hooks())
		}
		if e := xt.Lookup(xt.Match, m.Name()); e != nil {
			if err := e.CheckHooks(h); err != nil {
				return fmt.Errorf("-m %s: %w", m.Name(), err)
			}
		}
	}
	if r.Target != nil {
		if e := xt.Lookup(xt.Target, r.Target.Name()); e != nil {
			if err := e.CheckHooks(h); err != nil {
				return fmt.Errorf("-j %s: %w", r.Target.Name(), err)
			}
		}
	}
	return nil
}
