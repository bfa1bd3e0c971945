package nft

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// haveRule is a rule as dumped from an owned table.
type haveRule struct {
	handle uint64
	udata  []byte
	elems  [][]byte // NFTA_LIST_ELEM contents, undecoded
	// ent is the desired rule this one is known to be: set for the rules
	// of the state nftsync wrote, and for dumped rules once recognised.
	ent *entry
}

// haveChain is a chain of an owned table as dumped.
type haveChain struct {
	name   string
	base   *baseSpec // nil for a regular chain
	policy uint32
	rules  []*haveRule
	udata  []byte // the mark of a segment (segments.go)
}

// haveTable is an owned table as dumped.
type haveTable struct {
	id    tableID
	name  string
	flags uint32
	udata []byte
	// use is the kernel's count of the table's chains, sets, objects
	// and flowtables.
	use     uint32
	chains  []*haveChain
	objects []haveObject
	byName  map[string]*haveChain
	// adopt marks an unmarked table an earlier nftsync made: it is
	// re-created with the mark (see ownership.go).
	adopt bool
}

// actual is the owned part of the ruleset, as dumped or as nftsync wrote
// it.
type actual struct {
	tables map[tableID]*haveTable
	// foreign are the tables named like owned ones that nftsync did not
	// make (see ownership.go): never read further, never written.
	foreign map[tableID]string
	// unmarked are the tables named like owned ones without the mark,
	// until read decides whether to adopt them.
	unmarked []*haveTable
}

// reader performs the dumps of one read and counts them.
type reader struct {
	c      *netlink.Conn
	owner  string
	onDump func()
	// conns returns c and up to n-1 more sockets, for rule dumps that
	// run at once (nil: c alone).
	conns func(n int) []*netlink.Conn
}

// read dumps the owned tables: one table dump, then one chain dump and one
// rule dump per owned table. Foreign tables are only seen by name.
func (r *reader) read() (*actual, error) {
	st := &actual{tables: map[tableID]*haveTable{}, foreign: map[tableID]string{}}
	msgs, err := dump(r.c, unix.NFT_MSG_GETTABLE, unix.NFPROTO_UNSPEC, nil)
	if err != nil {
		return nil, fmt.Errorf("dumping tables: %w", err)
	}
	r.onDump()
	if err := addTables(st, r.owner, msgs); err != nil {
		return nil, err
	}
	for _, t := range st.tables {
		if err := r.readTable(t); err != nil {
			return nil, err
		}
	}
	// An unmarked table is read to decide whether an earlier nftsync
	// made it (see ownership.go).
	for _, t := range st.unmarked {
		if err := r.readTable(t); err != nil {
			return nil, err
		}
		if adoptable(t) && st.tables[t.id] == nil {
			t.adopt = true
			st.tables[t.id] = t
		} else {
			st.foreign[t.id] = t.name
		}
	}
	st.unmarked = nil
	return st, nil
}

// addTables adds the owned tables listed by a table dump to st. A table
// listed twice is kept once: the kernel's dump resumes each reply at an
// index that counts the tables a concurrent transaction has not committed
// yet, which the previous reply skipped without counting, so a dump that
// runs next to another writer's transaction can list a table twice
// without marking the reply interrupted.
func addTables(st *actual, owner string, msgs []netlink.Message) error {
	if st.foreign == nil {
		st.foreign = map[tableID]string{}
	}
	tables, err := decodeTables(msgs)
	if err != nil {
		return err
	}
	for _, t := range tables {
		ipt, owned := ownedTable(owner, t.name)
		if !owned {
			continue
		}
		t.id.Table = ipt
		if st.tables[t.id] != nil || st.foreign[t.id] != "" || listed(st.unmarked, t.id) {
			continue // listed twice
		}
		switch o, marked := markOwner(t.udata); {
		case marked && o == owner:
			st.tables[t.id] = t
		case marked:
			st.foreign[t.id] = t.name
		default:
			st.unmarked = append(st.unmarked, t)
		}
	}
	return nil
}

// decodeTables decodes the tables a table dump lists, in the families
// nftsync works in: each with its family (in id, whose Table the caller
// sets), name, flags, userdata and use count.
func decodeTables(msgs []netlink.Message) ([]*haveTable, error) {
	var out []*haveTable
	for _, m := range msgs {
		if m.Header.Type != nftType(unix.NFT_MSG_NEWTABLE) || len(m.Data) < 4 {
			continue
		}
		fam, ok := famOf(m.Data[0])
		if !ok {
			continue
		}
		t := &haveTable{id: tableID{Fam: fam}, byName: map[string]*haveChain{}}
		if err := attrList(m.Data, func(typ uint16, b []byte) error {
			switch typ {
			case unix.NFTA_TABLE_NAME:
				t.name = cstring(b)
			case unix.NFTA_TABLE_FLAGS:
				t.flags = be32(b)
			case nftaTableUserdata:
				t.udata = b
			case unix.NFTA_TABLE_USE:
				t.use = be32(b)
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("decoding table: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// readTable dumps what one table holds.
func (r *reader) readTable(t *haveTable) error {
	if err := r.readChains(t); err != nil {
		return err
	}
	if err := r.readRules(t); err != nil {
		return err
	}
	return r.readObjects(t)
}

// readChains dumps the chains of one table.
func (r *reader) readChains(t *haveTable) error {
	msgs, err := dump(r.c, unix.NFT_MSG_GETCHAIN, nfproto(t.id.Fam), attrs(nil).str(unix.NFTA_CHAIN_TABLE, t.name))
	if err != nil {
		return fmt.Errorf("dumping chains of %s %s: %w", t.id.Fam, t.name, err)
	}
	r.onDump()
	return addChains(t, msgs)
}

// addChains adds the chains of t listed by a chain dump (which lists the
// chains of all tables of the family). A chain listed twice is kept once
// (see addTables).
func addChains(t *haveTable, msgs []netlink.Message) error {
	for _, m := range msgs {
		if m.Header.Type != nftType(unix.NFT_MSG_NEWCHAIN) {
			continue
		}
		var table, typ string
		var hook *baseSpec
		c := &haveChain{}
		err := attrList(m.Data, func(at uint16, b []byte) error {
			switch at {
			case unix.NFTA_CHAIN_TABLE:
				table = cstring(b)
			case unix.NFTA_CHAIN_NAME:
				c.name = cstring(b)
			case unix.NFTA_CHAIN_POLICY:
				c.policy = be32(b)
			case unix.NFTA_CHAIN_TYPE:
				typ = cstring(b)
			case nftaChainUserdata:
				c.udata = b
			case unix.NFTA_CHAIN_HOOK:
				hook = &baseSpec{}
				return walkAttrs(b, func(ht uint16, hb []byte) error {
					switch ht {
					case unix.NFTA_HOOK_HOOKNUM:
						hook.Hook = be32(hb)
					case unix.NFTA_HOOK_PRIORITY:
						hook.Priority = int32(be32(hb))
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("decoding chain of %s: %w", t.name, err)
		}
		if table != t.name || m.Data[0] != nfproto(t.id.Fam) {
			continue
		}
		if hook != nil {
			hook.Type = typ
			c.base = hook
		}
		if t.byName[c.name] != nil {
			continue // listed twice (see addTables)
		}
		t.chains = append(t.chains, c)
		t.byName[c.name] = c
	}
	return nil
}

// readRules dumps the rules of one table: one GETRULE dump per chain.
//
// Not one for the whole table: the kernel resumes a dump, at each of its
// replies (about 130 rules), by walking the table's rules from the first
// to the one it stopped at, so a table's dump is quadratic in its rules,
// while a chain's walks only that chain. Measured on 6.18 with the
// segmented layout: 100k rules 15.1 s by table, 1.1 s by chain; 10k rules
// 114-142 ms against 77-98 ms; 1k rules the same. A table with more
// chains than perChainDumps is dumped whole: its round trips would cost
// more than its walks.
func (r *reader) readRules(t *haveTable) error {
	filter := attrs(nil).str(unix.NFTA_RULE_TABLE, t.name)
	if len(t.chains) > perChainDumps {
		msgs, err := dump(r.c, unix.NFT_MSG_GETRULE, nfproto(t.id.Fam), filter)
		if err != nil {
			return fmt.Errorf("dumping rules of %s %s: %w", t.id.Fam, t.name, err)
		}
		r.onDump()
		return addRules(t, msgs)
	}
	// The chains are dumped on one socket a CPU at once: the kernel fills
	// a dump's replies in the reading thread. On two CPUs, readState of
	// 100k segmented rules took 0.52-0.57 s against 0.85-0.93 s on one
	// socket, of 10k 44-54 ms against 74-89 ms.
	conns := []*netlink.Conn{r.c}
	if r.conns != nil && len(t.chains) > 1 {
		conns = r.conns(min(len(t.chains), runtime.GOMAXPROCS(0), maxDumpConns))
	}
	type dumped struct {
		msgs []netlink.Message
		err  error
	}
	got := make([]dumped, len(t.chains))
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every chain is dumped, or its dump fails: a socket that
			// fails keeps failing the ones it takes.
			for i := int(next.Add(1)) - 1; i < len(t.chains); i = int(next.Add(1)) - 1 {
				// A filter of its own: appending to the shared one
				// would write into the same array from every goroutine.
				f := attrs(nil).str(unix.NFTA_RULE_TABLE, t.name).str(unix.NFTA_RULE_CHAIN, t.chains[i].name)
				msgs, err := dump(c, unix.NFT_MSG_GETRULE, nfproto(t.id.Fam), f)
				got[i] = dumped{msgs, err}
			}
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i, c := range t.chains {
		if err := got[i].err; err != nil {
			return fmt.Errorf("dumping rules of %s %s %s: %w", t.id.Fam, t.name, c.name, err)
		}
		r.onDump()
		if err := addRulesSeen(t, got[i].msgs, seen); err != nil {
			return err
		}
	}
	return nil
}

// maxDumpConns bounds the sockets a read dumps on at once.
const maxDumpConns = 8

// perChainDumps is the most chains a table's rules are dumped chain by
// chain for.
const perChainDumps = 512

// addRules adds the rules of t listed by a rule dump to their chains. A
// rule listed twice, or in a chain the chain dump did not list, means the
// table changed between the dumps: the read is retried.
func addRules(t *haveTable, msgs []netlink.Message) error {
	return addRulesSeen(t, msgs, make(map[uint64]bool, len(msgs)))
}

// addRulesSeen is addRules across several dumps of one table: seen holds
// the handles listed so far.
func addRulesSeen(t *haveTable, msgs []netlink.Message, seen map[uint64]bool) error {
	for _, m := range msgs {
		if m.Header.Type != nftType(unix.NFT_MSG_NEWRULE) {
			continue
		}
		var table, chain string
		hr := &haveRule{}
		err := attrList(m.Data, func(at uint16, b []byte) error {
			switch at {
			case unix.NFTA_RULE_TABLE:
				table = cstring(b)
			case unix.NFTA_RULE_CHAIN:
				chain = cstring(b)
			case unix.NFTA_RULE_HANDLE:
				hr.handle = be64(b)
			case unix.NFTA_RULE_USERDATA:
				hr.udata = b
			case unix.NFTA_RULE_EXPRESSIONS:
				return walkAttrs(b, func(et uint16, eb []byte) error {
					if et == unix.NFTA_LIST_ELEM {
						hr.elems = append(hr.elems, eb)
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("decoding rule of %s: %w", t.name, err)
		}
		if table != t.name {
			continue
		}
		c := t.byName[chain]
		if c == nil {
			return fmt.Errorf("%w: rule %d of %s is in chain %q, which the chain dump did not list", errInterrupted, hr.handle, t.name, chain)
		}
		if seen[hr.handle] {
			return fmt.Errorf("%w: rule %d of %s listed twice", errInterrupted, hr.handle, t.name)
		}
		seen[hr.handle] = true
		c.rules = append(c.rules, hr)
	}
	return nil
}

// listed reports whether ts holds a table with id.
func listed(ts []*haveTable, id tableID) bool {
	for _, t := range ts {
		if t.id == id {
			return true
		}
	}
	return false
}
