package compat

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// fullPlan is a plan with what it takes to carry it out.
type fullPlan struct {
	plan   *firewall.Plan
	inputs map[rule.Family]*restoreInput
	// saved holds every table in use as read, for checks and roll-backs.
	saved map[tableID]*savedTable
	// policies built-in chains have before this plan first sets them.
	origPolicy map[chainID]string
	keys       keyCache
}

// Plan reads the tables in use and returns what Apply would change.
func (b *Backend) Plan(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx, false); err != nil {
		return nil, err
	}
	fp, err := b.plan(ctx, desired)
	if err != nil {
		return nil, err
	}
	return fp.plan, nil
}

// Apply makes the owned state equal desired: one iptables-save per table in
// use, and, when something differs, one iptables-restore --noflush per
// family, after a check in a scratch network namespace of every changed
// table but the one changed first. A refused change leaves the tables as
// they were (see the package doc).
func (b *Backend) Apply(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx, true); err != nil {
		return nil, err
	}
	return b.apply(ctx, desired)
}

// CleanUp removes every rule and chain the backend owns and gives built-in
// chains back the policies they had before it set them.
func (b *Backend) CleanUp(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx, true); err != nil {
		return fmt.Errorf("cleaning up: %w", err)
	}
	if _, err := b.apply(ctx, &firewall.Ruleset{}); err != nil {
		return fmt.Errorf("cleaning up: %w", err)
	}
	b.last = ""
	return nil
}

func (b *Backend) apply(ctx context.Context, desired *firewall.Ruleset) (*firewall.Plan, error) {
	if desired == nil {
		desired = &firewall.Ruleset{}
	}
	fp, err := b.plan(ctx, desired)
	if err != nil {
		return nil, err
	}
	sum := fingerprint(desired, fp.keys)
	var target *memory
	if len(fp.families()) > 0 {
		target = b.next(desired, fp, false)
		// Written ahead: a kill during the restore leaves a record the
		// next run resolves (journal.go).
		if err := b.intend(fp, target); err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
	}
	if dirty, err := b.commit(ctx, fp); err != nil {
		if b.pending != nil {
			// Nothing was committed, or the roll-back failed and some
			// tables may hold part of the change: read what is there.
			if !dirty {
				b.pending, b.stale = nil, true
				err = errors.Join(err, b.persistErr())
			} else if rerr := b.resolve(ctx); rerr != nil {
				err = errors.Join(err, fmt.Errorf("compat: %w (the next run resolves it)", rerr))
			}
			b.last = ""
			return nil, err
		}
		if dirty {
			// The roll-back failed: some tables may hold part of the
			// change. Own both states.
			b.remember(desired, fp, true)
			b.last = ""
			if perr := b.persist(); perr != nil {
				err = errors.Join(err, fmt.Errorf("compat: %w", perr))
			}
		}
		return nil, err
	}
	if target != nil {
		b.mem, b.pending = target, nil
	} else {
		b.remember(desired, fp, false)
	}
	if n := len(fp.plan.Changes); n > 0 {
		if sum == b.last {
			observe(b.cfg.obs, "drift", n)
		}
		b.cfg.log.Debug("iptables rules applied", "changes", n, "repair", sum == b.last)
	}
	b.last = sum
	if err := b.persist(); err != nil {
		// The tables are as desired and this Backend knows what it owns;
		// the next Apply writes the record again.
		return nil, fmt.Errorf("compat: the rules were applied, but another process would not know they are owner %q's: %w", b.cfg.owner, err)
	}
	return fp.plan, nil
}

// tablesInUse returns the tables desired or owned, in a fixed order.
func (b *Backend) tablesInUse(desired *firewall.Ruleset) []tableID {
	set := b.mem.tables()
	for _, c := range desired.Chains {
		set[tableID{c.Family, c.Table}] = true
	}
	var out []tableID
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		for _, t := range rule.Tables {
			if set[tableID{fam, t}] {
				out = append(out, tableID{fam, t})
			}
		}
	}
	return out
}

func (b *Backend) plan(ctx context.Context, desired *firewall.Ruleset) (*fullPlan, error) {
	if desired == nil {
		desired = &firewall.Ruleset{}
	}
	if err := desired.Validate(); err != nil {
		return nil, fmt.Errorf("compat: %w", err)
	}
	fp := &fullPlan{plan: &firewall.Plan{}, inputs: map[rule.Family]*restoreInput{},
		saved: map[tableID]*savedTable{}, origPolicy: map[chainID]string{}, keys: keyCache{}}
	sections := map[rule.Family][]tableLines{}
	for _, id := range b.tablesInUse(desired) {
		cur, err := b.save(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
		fp.saved[id] = cur
		var chains []*firewall.Chain
		for _, c := range desired.Chains {
			if c.Family != id.fam || c.Table != id.table {
				continue
			}
			chains = append(chains, c)
			cid := chainID{id.fam, id.table, c.Name}
			if _, known := b.mem.policy[cid]; c.Policy != "" && !known {
				fp.origPolicy[cid] = cur.chains[c.Name].policy
			}
		}
		tp, err := planTable(id, cur, chains, b.mem, fp.keys)
		if err != nil {
			return nil, fmt.Errorf("compat: %w", err)
		}
		fp.plan.Changes = append(fp.plan.Changes, tp.changes...)
		sections[id.fam] = append(sections[id.fam], tableLines{id.table, tp.lines})
	}
	for fam, secs := range sections {
		// The riskier tables first: when a fall-back run without a scratch
		// check is refused there, nothing is committed yet.
		slices.SortStableFunc(secs, func(a, b tableLines) int { return cmp.Compare(risk(b.lines), risk(a.lines)) })
		fp.inputs[fam] = &restoreInput{}
		for _, s := range secs {
			fp.inputs[fam].table(s.table, s.lines)
		}
	}
	return fp, nil
}

// tableLines are the restore lines planned for one table.
type tableLines struct {
	table string
	lines []restoreLine
}

// fingerprint identifies a desired ruleset by meaning, to tell a repair of
// someone else's change from a change of the desired state.
func fingerprint(rs *firewall.Ruleset, keys keyCache) string {
	h := sha256.New()
	for _, c := range rs.Chains {
		fmt.Fprintf(h, "%s %s %s %s\n", c.Family, c.Table, c.Name, c.Policy)
		for _, r := range c.Rules {
			fmt.Fprintf(h, "\t%s\n", keys.of(r.Spec))
		}
	}
	return string(h.Sum(nil))
}

// persistErr is persist with its error worded for a caller that already
// failed.
func (b *Backend) persistErr() error {
	if err := b.persist(); err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	return nil
}

// prepare readies a call: it checks the privileges, takes the writer lock
// for a change (write), reads the record again when another process
// replaced it, and resolves a change an earlier run left pending. A reader
// resolves it only when no writer holds the lock (a writer at work
// resolves its own), and then lets the lock go again.
func (b *Backend) prepare(ctx context.Context, write bool) error {
	if err := b.checkPrivileges(); err != nil {
		return err
	}
	if write {
		if err := b.lock(ctx); err != nil {
			return fmt.Errorf("compat: %w", err)
		}
	}
	b.refresh()
	if b.pending == nil {
		return nil
	}
	if !write {
		held := b.lockFile != nil
		if !b.tryLock() {
			return nil
		}
		if !held {
			defer b.unlock()
		}
	}
	if err := b.resolve(ctx); err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	return nil
}
