package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/nftsync/nftsync/rule"
)

// The write-ahead journal. Nothing marks owned rules in the kernel, so a
// process killed after iptables-restore committed but before the record
// listed the new rules would leave them owned by no one (cleanup keeps
// them, the next apply writes them again). So before the real
// iptables-restore runs, the record is written (synced, renamed) with the
// change as pending: what the owner has once it is made, and, for each
// rule whose number of owned copies it changes, how many copies someone
// else had in the chain when it was planned. The next call of any process
// of the owner (under the writer lock, see lock.go) resolves it by reading
// the tables: the owner's copies of such a rule are the copies there now
// less the foreign ones, between none and the most either side of the
// change owns; a user chain created or deleted by the change is owned when
// it exists. Policies the change sets or gives back stay remembered with
// their old value either way: giving one back twice is harmless. Sections
// of one iptables-restore commit one by one, and the count per rule does
// not care which did. What it cannot tell apart is someone else adding or
// deleting an equal rule in the same chain between the kill and the next
// start; then at most that copy's owner is mistaken, as with any claim of
// equal copies (see the package doc).

// pendingChange is a pending change as stored in the record.
type pendingChange struct {
	// Chains is what the owner has once the change is made, in the form
	// of stateFile.Chains.
	Chains []stateChain `json:"chains"`
	// Foreign lists, for each rule whose number of owned copies the
	// change alters, the copies someone else had in the chain.
	Foreign []foreignRule `json:"foreign,omitempty"`
}

// foreignRule is the number of copies of a rule in a built-in chain that
// were someone else's when a change was planned.
type foreignRule struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	Rule   string `json:"rule"`
	Copies int    `json:"copies"`
}

// journal is a pending change in memory.
type journal struct {
	target  *memory
	foreign map[chainID]map[string]int // rule key → foreign copies
}

// decodePending checks a pending change and turns it into a journal.
func (b *Backend) decodePending(p *pendingChange) (*journal, error) {
	m, err := b.decodeChains(p.Chains)
	if err != nil {
		return nil, err
	}
	j := &journal{target: m, foreign: map[chainID]map[string]int{}}
	for _, f := range p.Foreign {
		id, err := stateChain{Family: f.Family, Table: f.Table, Chain: f.Chain}.id()
		if err != nil {
			return nil, err
		}
		if f.Copies < 0 {
			return nil, fmt.Errorf("chain %s %s: negative count of foreign copies", f.Table, f.Chain)
		}
		spec, err := rule.ParseString(id.fam, f.Rule)
		if err != nil {
			continue // decodeChains dropped it from the memories too
		}
		if j.foreign[id] == nil {
			j.foreign[id] = map[string]int{}
		}
		j.foreign[id][spec.Key()] = f.Copies
	}
	return j, nil
}

// keyCounts returns how many copies of each key a list of owned rules holds.
func keyCounts(keys []string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		out[k]++
	}
	return out
}

// ruleChains returns the built-in chains with owned rules in either
// memory.
func ruleChains(a, b *memory) []chainID {
	set := map[chainID]bool{}
	for id := range a.rules {
		set[id] = true
	}
	for id := range b.rules {
		set[id] = true
	}
	return slices.Collect(maps.Keys(set))
}

// intend writes the record with target as the pending change, before the
// plan's iptables-restore runs. It is a no-op without a state directory.
func (b *Backend) intend(fp *fullPlan, target *memory) error {
	if b.cfg.stateDir == "" {
		return nil
	}
	p := &pendingChange{Chains: encodeChains(target)}
	j := &journal{target: target, foreign: map[chainID]map[string]int{}}
	for _, id := range ruleChains(b.mem, target) {
		before, after := keyCounts(b.mem.rules[id]), keyCounts(target.rules[id])
		var inChain map[string]int
		if st := fp.saved[tableID{id.fam, id.table}]; st != nil {
			if sc := st.chain(id.chain); sc != nil {
				inChain = map[string]int{}
				for _, r := range sc.rules {
					inChain[r.key]++
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(mapsUnion(before, after))) {
			if before[k] == after[k] {
				continue
			}
			spec := target.spec[k]
			if spec == nil {
				spec = b.mem.spec[k]
			}
			if spec == nil {
				continue
			}
			foreign := inChain[k] - min(before[k], inChain[k])
			if j.foreign[id] == nil {
				j.foreign[id] = map[string]int{}
			}
			j.foreign[id][k] = foreign
			p.Foreign = append(p.Foreign, foreignRule{Family: id.fam.String(), Table: id.table, Chain: id.chain,
				Rule: spec.String(), Copies: foreign})
		}
	}
	sf := b.encodeState(b.mem)
	sf.Pending = p
	data, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the ownership record: %w", err)
	}
	stamp, err := writeAtomic(b.statePath(), append(data, '\n'))
	if err != nil {
		return fmt.Errorf("writing the ownership record before the change: %w", err)
	}
	// The file now differs from what b.saved says: the next persist
	// writes it again, without the pending change.
	b.stamp, b.stale, b.pending = stamp, true, j
	return nil
}

// mapsUnion returns the keys of both count maps, each with the larger
// count.
func mapsUnion(a, b map[string]int) map[string]int {
	out := maps.Clone(a)
	for k, v := range b {
		out[k] = max(out[k], v)
	}
	return out
}

// resolve settles a pending change left by a process that ended between
// intend and persist (or by a failed roll-back): it reads the tables
// involved, works out what the owner has (see the top of this file) and
// writes the record without the pending change. It must run under the
// writer lock.
func (b *Backend) resolve(ctx context.Context) error {
	j := b.pending
	if j == nil {
		return nil
	}
	pre, target := b.mem, j.target
	tables := map[tableID]bool{}
	for id := range j.foreign {
		tables[tableID{id.fam, id.table}] = true
	}
	for id := range pre.user {
		if !target.user[id] {
			tables[tableID{id.fam, id.table}] = true
		}
	}
	for id := range target.user {
		if !pre.user[id] {
			tables[tableID{id.fam, id.table}] = true
		}
	}
	saved := map[tableID]*savedTable{}
	for id := range tables {
		st, err := b.save(ctx, id)
		if err != nil {
			return fmt.Errorf("resolving the change an earlier run left pending: %w", err)
		}
		saved[id] = st
	}
	exists := func(id chainID) *savedChain {
		if st := saved[tableID{id.fam, id.table}]; st != nil {
			return st.chain(id.chain)
		}
		return nil
	}

	m := newMemory()
	// complete: everything is as the change left it, which then counts as
	// applied in full (its chains are the declared ones Read lists).
	complete := true
	maps.Copy(m.spec, pre.spec)
	maps.Copy(m.spec, target.spec)
	maps.Copy(m.policy, target.policy)
	for id, orig := range pre.policy {
		if _, ok := m.policy[id]; !ok {
			m.policy[id] = orig
		}
	}
	for id := range pre.user {
		if target.user[id] || exists(id) != nil {
			m.user[id] = true
		}
	}
	for id := range target.user {
		if pre.user[id] || exists(id) != nil {
			m.user[id] = true
		}
	}
	complete = maps.Equal(m.user, target.user)
	for _, id := range ruleChains(pre, target) {
		before, after := keyCounts(pre.rules[id]), keyCounts(target.rules[id])
		budget := map[string]int{}
		for k := range mapsUnion(before, after) {
			if before[k] == after[k] {
				budget[k] = before[k]
				continue
			}
			now := 0
			if sc := exists(id); sc != nil {
				for _, r := range sc.rules {
					if r.key == k {
						now++
					}
				}
			}
			budget[k] = min(max(now-j.foreign[id][k], 0), max(before[k], after[k]))
			complete = complete && budget[k] == after[k]
		}
		// The change's order first, then what only the old memory had.
		var keys []string
		for _, list := range [][]string{target.rules[id], pre.rules[id]} {
			for _, k := range list {
				if budget[k] > 0 {
					budget[k]--
					keys = append(keys, k)
				}
			}
		}
		if len(keys) > 0 {
			m.rules[id] = keys
		}
	}
	m.order = slices.Clone(pre.order)
	if complete {
		m.order = slices.Clone(target.order)
	}
	b.cfg.log.Info("resolved an iptables change an earlier run left pending", "path", b.statePath())
	b.mem, b.pending, b.stale = m, nil, true
	return b.persist()
}
