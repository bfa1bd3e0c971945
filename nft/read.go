package nft

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// ForeignComment is the comment of the placeholder Read returns for a rule
// in an owned table that nftsync did not write (it has no spec in its
// userdata): the placeholder's Label says "foreign rule" and its handle,
// and its Spec is `-m comment --comment "nftsync: foreign rule"`, so that
// the chain's length and order stay true. Apply deletes such rules.
const ForeignComment = "nftsync: foreign rule"

// Read returns the owned state as iptables rules, read from the kernel:
// tables in family then iptables table order, chains in the kernel's order.
func (b *Backend) Read(ctx context.Context) (*firewall.Ruleset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for try := 0; ; try++ {
		rs, err := b.readOnce(ctx)
		if !errors.Is(err, errInterrupted) || try >= b.maxRetries {
			return rs, err
		}
		// iptables' tables changed while they were read: the owned
		// tables and the placed rules must come from one generation.
		b.log.Debug("ruleset changed while reading, reading again", "try", try+1, "reason", err)
	}
}

// readOnce reads the owned tables and the placed rules, failing with
// errInterrupted when the generation moved in between (checked only when
// iptables' tables were read: the owned ones alone are checked by
// readState).
func (b *Backend) readOnce(ctx context.Context) (*firewall.Ruleset, error) {
	gen, err := b.getGen()
	if err != nil {
		return nil, err
	}
	st, gen, err := b.readState(ctx, gen)
	if err != nil {
		return nil, err
	}
	st = mergeSegments(st)
	ids := make([]tableID, 0, len(st.tables))
	for id := range st.tables {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return ids[i].Fam < ids[j].Fam || ids[i].Fam == ids[j].Fam && ids[i].Table < ids[j].Table
	})
	rs := &firewall.Ruleset{}
	for _, id := range ids {
		ht := st.tables[id]
		for _, hc := range ht.chains {
			c := &firewall.Chain{Family: id.Fam, Table: id.Table, Name: hc.name}
			if hc.base != nil && firewall.IsBuiltin(id.Table, hc.name) {
				c.Policy = policyName(hc.policy)
			}
			for _, hr := range hc.rules {
				r, err := readRule(id.Fam, hr)
				if err != nil {
					return nil, fmt.Errorf("reading %s %s %s: %w", id.Fam, ht.name, hc.name, err)
				}
				c.Rules = append(c.Rules, r)
			}
			rs.Chains = append(rs.Chains, c)
		}
	}
	if b.beforePlacedRead != nil {
		b.beforePlacedRead()
	}
	placed, read, err := b.readPlacedChains()
	if err != nil {
		return nil, err
	}
	rs.Chains = append(rs.Chains, placed...)
	if read {
		after, err := b.getGen()
		if err != nil {
			return nil, err
		}
		if after != gen {
			return nil, fmt.Errorf("%w: the generation moved from %d to %d", errInterrupted, gen, after)
		}
	}
	return rs, nil
}

// readRule recovers a dumped rule's iptables form, or a placeholder.
func readRule(fam rule.Family, hr *haveRule) (firewall.Rule, error) {
	if r, err := parseStored(fam, hr.udata, hr.elems); err == nil {
		return firewall.Rule{Spec: r}, nil
	}
	r, err := rule.Parse(fam, []string{"-m", "comment", "--comment", ForeignComment})
	if err != nil {
		return firewall.Rule{}, fmt.Errorf("building placeholder: %w", err)
	}
	return firewall.Rule{Spec: r, Label: fmt.Sprintf("foreign rule, handle %d", hr.handle)}, nil
}
