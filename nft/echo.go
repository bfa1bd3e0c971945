package nft

import (
	"golang.org/x/sys/unix"
)

// The new generation is learnt from the echo of the batch's first message
// (see sender.send), and an echo reports everything that message does: the
// echo of a chain flush or of a table deletion is one message per rule
// deleted. Echoing the flush of a 20k-rule chain more than doubled the
// time the kernel held the commit mutex (576 ms against 217 ms for the
// batch that adds the same rules).

// bulky reports whether the echo of m would report more than m itself: a
// table or chain deletion, or a chain flush (a DELRULE without a handle).
func bulky(m message) bool {
	switch m.Header.Type {
	case nftType(unix.NFT_MSG_DELTABLE), nftType(unix.NFT_MSG_DELCHAIN):
		return true
	case nftType(unix.NFT_MSG_DELRULE):
		_, byHandle := m.handle()
		return !byHandle
	}
	return false
}

// quietStart makes sure the batch does not start with a bulky message: it
// starts with a table update that changes nothing (NEWTABLE of an owned
// table that exists and stays, flags 0: awake, as it is), or, when every
// owned table goes, the first message is not echoed and the generation the
// batch creates stays unknown.
func (p *planner) quietStart(st *actual) {
	var first *message
	for _, ph := range []*batch{&p.tables, &p.chains, &p.dels, &p.objDels, &p.adds, &p.chainDels} {
		if len(ph.msgs) > 0 {
			first = &ph.msgs[0]
			break
		}
	}
	if first == nil || !bulky(*first) {
		return
	}
	for _, wt := range p.d.tables {
		if ht := st.tables[wt.id]; ht != nil {
			var noop batch
			noop.newTable(wt.id.Fam, wt.name)
			p.tables.msgs = append(noop.msgs, p.tables.msgs...)
			p.tables.labels = append(noop.labels, p.tables.labels...)
			p.tables.rule = append(noop.rule, p.tables.rule...)
			p.tables.size += noop.size
			return
		}
	}
	p.tables.noGen = true
}
