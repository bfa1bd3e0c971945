package nft

import (
	"context"

	"golang.org/x/sys/unix"
)

// The backend keeps the owned state it wrote (or verified) in memory, with
// the handle of every rule, so that the next Apply diffs the new desired
// state against it instead of dumping, as long as the ruleset generation
// says nobody changed anything since.
//
// The handles of new rules are learnt without an echo per rule (echoing
// all 10k rules of a cold apply cost 40 ms): the kernel numbers the new
// rules and sets of a table from one counter, in batch order, so the first
// and the last new rule of each table are echoed and the handles in
// between are counted. When the last echoed handle is not the one counted,
// the handles are unknown and the next Apply dumps.

// forget drops the in-memory owned state: the next Apply dumps.
func (b *Backend) forget() {
	b.model = nil
}

// known returns the owned state when the in-memory one is current at
// generation gen, else nil.
func (b *Backend) known(gen uint32) *actual {
	if b.model != nil && gen == b.lastGen {
		return b.model
	}
	return nil
}

// remember records the owned state after a write or check at generation
// gen; an unknown generation (0) or state (nil) forgets it.
func (b *Backend) remember(model *actual, gen uint32) {
	if gen == 0 {
		model = nil
	}
	b.model, b.lastGen = model, gen
}

// state returns the owned state at generation gen: the in-memory one when
// it is current, else a dump. It returns the generation the state is of,
// which moves past gen when the dump had to be read again, and whether the
// state came from memory.
func (b *Backend) state(ctx context.Context, gen uint32) (*actual, uint32, bool, error) {
	if st := b.known(gen); st != nil {
		return st, gen, true, nil
	}
	st, at, err := b.readState(ctx, gen)
	return st, at, false, err
}

// echoes returns the indexes of the messages whose echo is needed to learn
// the handles of the plan's new rules.
func (pl *plan) echoes() []int {
	var out []int
	for _, g := range pl.groups {
		first, last := pl.ruleRange(g)
		if first < 0 {
			continue
		}
		out = append(out, first)
		if last != first {
			out = append(out, last)
		}
	}
	return out
}

// ruleRange returns the first and last NEWRULE message of a group (-1 when
// it has none).
func (pl *plan) ruleRange(g [2]int) (int, int) {
	first, last := -1, -1
	for i := g[0]; i < g[1]; i++ {
		if pl.batch.msgs[i].Header.Type == nftType(unix.NFT_MSG_NEWRULE) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// learnHandles fills in the handles of the new rules of pl.next from the
// echoed ones; false when they cannot all be known.
func (pl *plan) learnHandles(echoed map[int]uint64) bool {
	if len(pl.added) == 0 {
		return true
	}
	// counted[i] is the handle message i creates (0: none known); a slice
	// by message, not a map: a cold apply adds every rule.
	counted := make([]uint64, len(pl.batch.msgs))
	for _, g := range pl.groups {
		first, last := pl.ruleRange(g)
		if first < 0 {
			continue
		}
		h, ok := echoed[first]
		hl, okl := echoed[last]
		if !ok || !okl {
			return false
		}
		for i := first; i <= last; i++ {
			if pl.batch.allocates(i) {
				counted[i] = h
				h++
			}
		}
		if counted[last] != hl {
			return false
		}
	}
	for _, a := range pl.added {
		h := counted[a.msg]
		if h == 0 {
			return false
		}
		a.hr.handle = h
	}
	return true
}
