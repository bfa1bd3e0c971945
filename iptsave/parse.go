// Package iptsave reads and writes the iptables-save / iptables-restore
// format, mapping it to and from a firewall.Ruleset.
package iptsave

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// Parse reads an iptables-save file (the format iptables-restore reads) into
// a Ruleset of family fam. It accepts "*table" sections ending in COMMIT,
// ":CHAIN POLICY [packets:bytes]" declarations, and the commands -A, -I
// (with an optional position), -N, -D, -F, -X and -P; "#" comments and blank
// lines are skipped. Rules may only go to built-in chains and to chains
// declared by :CHAIN or -N, as iptables-restore requires. Each rule's Label
// is "FILE:LINE: LINE-TEXT", and errors read "FILE:LINE: <offending text>:
// <reason>" (a *rule.LineError wrapping the rule.ParseError). Lines over
// MaxLineLen, NUL bytes and bytes that are not UTF-8 are refused the same
// way (see checkLines). A second section of a table replaces the rules and
// user chains of the earlier ones, as iptables-restore leaves them.
func Parse(r io.Reader, name string, fam rule.Family) (*firewall.Ruleset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if err := checkLines(data, name); err != nil {
		return nil, err
	}
	b := &builder{rs: &firewall.Ruleset{}, name: name, fam: fam, seen: map[string]bool{}}
	if err := rule.ScanRestore(bytes.NewReader(data), name, fam, b.line); err != nil {
		return nil, err
	}
	if err := b.rs.Validate(); err != nil {
		// ScanRestore checks what Validate does; rule errors carry
		// their label, so the file and line are named either way.
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b.rs, nil
}

// builder applies the lines of a restore file to a Ruleset.
type builder struct {
	rs   *firewall.Ruleset
	name string
	fam  rule.Family
	seen map[string]bool // tables with a section so far
}

// chain returns the chain, creating it when create is set.
func (b *builder) chain(table, name string, create bool) *firewall.Chain {
	if c := b.rs.Chain(b.fam, table, name); c != nil || !create {
		return c
	}
	c := &firewall.Chain{Family: b.fam, Table: table, Name: name}
	b.rs.Chains = append(b.rs.Chains, c)
	return c
}

func (b *builder) line(l *rule.RestoreLine) error {
	switch l.Kind {
	case rule.RestoreTable:
		if b.seen[l.Table] {
			b.replaceTable(l.Table)
		}
		b.seen[l.Table] = true
	case rule.RestoreChain:
		c := b.chain(l.Table, l.Chain, true)
		if l.Policy != "-" {
			c.Policy = l.Policy
		}
	case rule.RestoreCommand:
		return b.command(l)
	}
	return nil
}

// replaceTable forgets a table's rules and user chains when a second
// section of it begins: iptables-restore (without --noflush) flushes a
// table at each of its sections, so the last section's rules are what
// stays. The policies built-in chains were given stay set, as
// iptables-legacy-restore has committed them with the earlier section
// (iptables-nft-restore resets them to ACCEPT instead).
func (b *builder) replaceTable(table string) {
	kept := b.rs.Chains[:0:0]
	for _, c := range b.rs.Chains {
		switch {
		case c.Family != b.fam || c.Table != table:
		case !c.Builtin():
			continue
		default:
			c.Rules, c.Head = nil, 0
		}
		kept = append(kept, c)
	}
	b.rs.Chains = kept
}

// command applies one command line. ScanRestore has checked that the chain
// exists (or is built-in) and that jumps go to declared chains.
func (b *builder) command(l *rule.RestoreLine) error {
	cmd := l.Cmd
	label := fmt.Sprintf("%s:%d: %s", b.name, l.Line, l.Text)
	switch cmd.Op {
	case rule.OpNewChain:
		b.chain(l.Table, cmd.Chain, true)
	// A line with -s a,b or -d c,d stands for several rules (cmd.Rules),
	// all labelled with the line.
	case rule.OpAppend:
		c := b.chain(l.Table, cmd.Chain, true)
		for _, r := range cmd.Rules {
			c.Rules = append(c.Rules, firewall.Rule{Spec: r, Label: label})
		}
	case rule.OpInsert:
		c := b.chain(l.Table, cmd.Chain, true)
		pos := max(cmd.RuleNum-1, 0)
		if pos > len(c.Rules) {
			return fmt.Errorf("index of insertion too big: chain %s has %d rules", c.Name, len(c.Rules))
		}
		// Each at the same position, as iptables inserts them: the
		// last ends up first. A rule inserted among the chain's first
		// (prepended) rules is prepended too (firewall.Chain.Head): where
		// the chain is shared with other programs, as iptables-restore
		// --noflush would, it goes ahead of their rules and an -A rule
		// after them.
		for _, r := range cmd.Rules {
			c.Rules = append(c.Rules[:pos], append([]firewall.Rule{{Spec: r, Label: label}}, c.Rules[pos:]...)...)
			if pos <= c.Head {
				c.Head++
			}
		}
	case rule.OpDelete:
		if cmd.Rule == nil {
			return b.delete(l.Table, cmd.Chain, nil, cmd.RuleNum)
		}
		for _, r := range cmd.Rules {
			if err := b.delete(l.Table, cmd.Chain, r, 0); err != nil {
				return err
			}
		}
	case rule.OpFlush:
		for _, c := range b.rs.Chains {
			if c.Family == b.fam && c.Table == l.Table && (cmd.Chain == "" || c.Name == cmd.Chain) {
				c.Rules, c.Head = nil, 0
			}
		}
	case rule.OpDeleteChain:
		return b.deleteChains(l.Table, cmd.Chain)
	case rule.OpPolicy:
		b.chain(l.Table, cmd.Chain, true).Policy = cmd.Policy
	default:
		return errors.New("command not allowed in a restore file")
	}
	return nil
}

// delete removes a rule by its meaning (spec), or else by position num.
func (b *builder) delete(table, chain string, spec *rule.Rule, num int) error {
	c := b.chain(table, chain, false)
	n := 0
	if c != nil {
		n = len(c.Rules)
	}
	i := num - 1
	if spec != nil {
		i = -1
		for j := 0; j < n; j++ {
			if c.Rules[j].Spec.Equal(spec) {
				i = j
				break
			}
		}
		if i < 0 {
			return fmt.Errorf("no such rule in chain %s", chain)
		}
	}
	if i >= n {
		return fmt.Errorf("chain %s has %d rules, there is no rule %d", chain, n, num)
	}
	c.Rules = append(c.Rules[:i], c.Rules[i+1:]...)
	if i < c.Head {
		c.Head--
	}
	return nil
}

// deleteChains removes one user chain, or all of the table's when name is
// empty; like iptables, only empty chains that no rule jumps to.
func (b *builder) deleteChains(table, name string) error {
	kept := b.rs.Chains[:0:0]
	for _, c := range b.rs.Chains {
		if c.Family != b.fam || c.Table != table || c.Builtin() || (name != "" && c.Name != name) {
			kept = append(kept, c)
			continue
		}
		if len(c.Rules) > 0 {
			return fmt.Errorf("cannot delete chain %s: it still has %d rules", c.Name, len(c.Rules))
		}
		if ref := b.jumpsTo(table, c.Name); ref != "" {
			return fmt.Errorf("cannot delete chain %s: %s jumps to it", c.Name, ref)
		}
	}
	b.rs.Chains = kept
	return nil
}

// jumpsTo returns the label of a rule of the table that jumps to chain.
func (b *builder) jumpsTo(table, chain string) string {
	for _, c := range b.rs.Chains {
		if c.Family != b.fam || c.Table != table {
			continue
		}
		for i, r := range c.Rules {
			if j, ok := r.Spec.Target.(*rule.Jump); ok && j.Chain == chain {
				return c.Label(i)
			}
		}
	}
	return ""
}
