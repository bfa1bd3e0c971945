package nft

import (
	"sort"

	"github.com/nftsync/nftsync/firewall"
	"golang.org/x/sys/unix"
)

// The order of a batch's tables. An xtables rule can need a kernel object
// another rule makes: -m rateest names the estimator a -j RATEEST makes,
// and the kernel refuses the rule (ENOENT) unless that rule came first.
// iptables-restore commits table by table, in the order of the file (and
// `nftsync apply -4 F -6 G` reads F first), so a file works when each
// estimator is made in an earlier table or earlier in the same one. The
// owner's plan adds its tables' rules in the ruleset's order of tables;
// placed tables' messages go among them in the same order, so that what
// iptables-restore accepts, one batch accepts too.

// placedChunk is the messages that make and replace one placed table's
// chains and rules.
type placedChunk struct {
	id tableID
	b  *batch
}

// tableRanks numbers the (family, table)s of rs in the order their first
// chain appears.
func tableRanks(rs *firewall.Ruleset) map[tableID]int {
	rank := map[tableID]int{}
	if rs == nil {
		return rank
	}
	for _, c := range rs.Chains {
		id := tableID{c.Family, c.Table}
		if _, ok := rank[id]; !ok {
			rank[id] = len(rank)
		}
	}
	return rank
}

// rankOf is id's place in the desired order; a table the owner leaves
// (nil pw, or not in the ruleset) comes after all of them.
func (pw *placedWant) rankOf(id tableID) int {
	if pw == nil {
		return 1 << 30
	}
	if r, ok := pw.rank[id]; ok {
		return r
	}
	return 1 << 30
}

// slice returns a batch of b's messages [from, to).
func (b *batch) slice(from, to int) *batch {
	out := &batch{msgs: b.msgs[from:to:to], labels: b.labels[from:to:to], rule: b.rule[from:to:to]}
	for i := range out.msgs {
		out.size += unix.NLMSG_HDRLEN + out.msgs[i].len()
	}
	return out
}

// insertPlaced puts each chunk before the new rules of the first owned
// table that comes after it in the desired order (after all of them when
// none does), and moves the indexes the plan keeps of its messages (the
// handles of its new rules are learnt by index; the kernel numbers handles
// per table, and placed rules are in iptables' tables, so the counting is
// undisturbed).
func (pl *plan) insertPlaced(chunks []placedChunk, rank func(tableID) int) {
	if len(chunks) == 0 {
		return
	}
	type insert struct {
		at int
		c  placedChunk
	}
	ins := make([]insert, 0, len(chunks))
	for _, c := range chunks {
		at := pl.addsEnd
		for _, t := range pl.tableAt {
			if rank(t.id) > rank(c.id) {
				at = t.at
				break
			}
		}
		ins = append(ins, insert{at, c})
	}
	// By place, then by the desired order of tables (planPlaced orders
	// them by name: mangle before raw).
	sort.SliceStable(ins, func(i, j int) bool {
		return ins[i].at < ins[j].at || ins[i].at == ins[j].at && rank(ins[i].c.id) < rank(ins[j].c.id)
	})
	old := pl.batch
	if ins[0].at == len(old.msgs) {
		// All after the owner's messages (the owner has no new rule
		// in a table after them): nothing moves.
		for _, in := range ins {
			old.appendBatch(in.c.b)
		}
		return
	}
	out := &batch{setID: old.setID, noGen: old.noGen}
	prev := 0
	for _, in := range ins {
		out.appendBatch(old.slice(prev, in.at))
		if len(out.msgs) == 0 {
			// The first message now makes something: its echo is
			// small (see quietStart).
			out.noGen = false
		}
		out.appendBatch(in.c.b)
		prev = in.at
	}
	out.appendBatch(old.slice(prev, len(old.msgs)))
	// shift is how many messages went before the old message i.
	shift := func(i int) int {
		n := 0
		for _, in := range ins {
			if in.at <= i {
				n += len(in.c.b.msgs)
			}
		}
		return n
	}
	for i := range pl.added {
		pl.added[i].msg += shift(pl.added[i].msg)
	}
	for i, g := range pl.groups {
		pl.groups[i] = [2]int{g[0] + shift(g[0]), g[1] - 1 + shift(g[1]-1) + 1}
	}
	pl.batch = out
}
