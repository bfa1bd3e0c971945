package compat

import (
	"fmt"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// chainID names one chain of one family and table.
type chainID struct {
	fam          rule.Family
	table, chain string
}

// tableID names one table of one family.
type tableID struct {
	fam   rule.Family
	table string
}

// keyCache remembers the keys of desired rules for one call: computing a
// key is the dominant cost of a no-op Apply.
type keyCache map[*rule.Rule]string

func (k keyCache) of(r *rule.Rule) string {
	if s, ok := k[r]; ok {
		return s
	}
	s := r.Key()
	k[r] = s
	return s
}

// tablePlan is what one table needs: the changes for the caller and the
// iptables-restore lines that make them.
type tablePlan struct {
	changes []firewall.Change
	lines   []restoreLine
}

// planTable compares one saved table with the desired chains of that table
// (in declared order) and plans the changes, touching only what is owned.
func planTable(id tableID, cur *savedTable, desired []*firewall.Chain, mem *memory, keys keyCache) (*tablePlan, error) {
	p := &tablePlan{}
	change := func(c firewall.Change) {
		c.Family, c.Table = id.fam, id.table
		p.changes = append(p.changes, c)
	}
	line := func(label, format string, a ...any) {
		p.lines = append(p.lines, restoreLine{text: fmt.Sprintf(format, a...), label: label})
	}
	want := map[string]*firewall.Chain{}
	for _, c := range desired {
		want[c.Name] = c
		if !c.Builtin() && cur.chain(c.Name) == nil {
			change(firewall.Change{Op: firewall.AddChain, Chain: c.Name})
			line(fmt.Sprintf("%s -N %s", id.table, c.Name), "-N %s", c.Name)
		}
	}
	for _, name := range cur.order {
		sc := cur.chains[name]
		if !sc.builtin {
			continue
		}
		cid := chainID{id.fam, id.table, name}
		target := ""
		if c := want[name]; c != nil && c.Policy != "" {
			target = c.Policy
		} else if orig, ok := mem.policy[cid]; ok {
			target = orig // no longer set: give back what was there
		}
		if target != "" && target != sc.policy {
			change(firewall.Change{Op: firewall.SetPolicy, Chain: name, Rule: target})
			line(fmt.Sprintf("%s -P %s %s", id.table, name, target), "-P %s %s", name, target)
		}
	}
	// Rules: desired chains in declared order, then built-in chains that
	// only hold rules written before.
	chains := append([]*firewall.Chain(nil), desired...)
	for _, name := range cur.order {
		if want[name] == nil && len(mem.rules[chainID{id.fam, id.table, name}]) > 0 && cur.chains[name].builtin {
			chains = append(chains, &firewall.Chain{Family: id.fam, Table: id.table, Name: name})
		}
	}
	for _, c := range chains {
		if err := planRules(id, cur.chain(c.Name), c, mem, keys, p); err != nil {
			return nil, err
		}
	}
	// User chains owned before and no longer wanted: flush, then delete.
	var gone []string
	for _, name := range cur.order {
		sc := cur.chains[name]
		if sc.builtin || want[name] != nil || !mem.user[chainID{id.fam, id.table, name}] {
			continue
		}
		gone = append(gone, name)
		for i := len(sc.rules) - 1; i >= 0; i-- {
			change(firewall.Change{Op: firewall.DeleteRule, Chain: name, Rule: sc.rules[i].text, Position: i})
		}
		change(firewall.Change{Op: firewall.DeleteChain, Chain: name})
		line(fmt.Sprintf("%s -F %s", id.table, name), "-F %s", name)
	}
	for _, name := range gone {
		line(fmt.Sprintf("%s -X %s", id.table, name), "-X %s", name)
	}
	return p, nil
}

// planRules plans one chain's rule changes. sc is the chain as saved (nil
// for a chain that does not exist yet).
func planRules(id tableID, sc *savedChain, c *firewall.Chain, mem *memory, keys keyCache, p *tablePlan) error {
	var cur []entry
	var owned []bool
	if sc != nil {
		if sc.builtin {
			// Only the copies this owner wrote are its own: an equal rule
			// someone else has is never adopted (see the package doc).
			owned = claim(sc.rules, mem.rules[chainID{id.fam, id.table, c.Name}])
		}
		for i, r := range sc.rules {
			cur = append(cur, entry{key: r.key, text: r.text, orig: i, owned: !sc.builtin || owned[i]})
		}
	}
	wants := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		wants[i] = keys.of(r.Spec)
	}
	// Head matters in built-in chains only, where foreign rules are: the
	// rules of a user chain are all owned and end up in desired order.
	ops, _ := diffChain(cur, wants, c.Head)
	n := len(cur) // rules in the chain while the commands run
	for _, op := range ops {
		if op.del {
			p.changes = append(p.changes, firewall.Change{Op: firewall.DeleteRule, Family: id.fam, Table: id.table,
				Chain: c.Name, Rule: op.e.text, Position: op.e.orig})
			p.lines = append(p.lines, restoreLine{text: fmt.Sprintf("-D %s %d", c.Name, op.pos),
				label: fmt.Sprintf("%s -A %s %s", id.table, c.Name, op.e.text)})
			n--
			continue
		}
		spec := c.Rules[op.e.want].Spec
		args, err := restoreArgs(spec.Args())
		if err != nil {
			return &firewall.RuleError{Rule: c.Label(op.e.want), Err: err}
		}
		if spec.Counters != (rule.Counters{}) {
			// Where the new rule's counters start (-c), as given.
			args += fmt.Sprintf(" -c %d %d", spec.Counters.Packets, spec.Counters.Bytes)
		}
		p.changes = append(p.changes, firewall.Change{Op: firewall.AddRule, Family: id.fam, Table: id.table,
			Chain: c.Name, Rule: spec.String(), Position: op.pos - 1})
		text := fmt.Sprintf("-I %s %d %s", c.Name, op.pos, args)
		if op.pos == n+1 {
			text = fmt.Sprintf("-A %s %s", c.Name, args)
		}
		p.lines = append(p.lines, restoreLine{text: text, chain: c, idx: op.e.want})
		n++
	}
	return nil
}
