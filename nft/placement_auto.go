package nft

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// Automatic placement: an iptables table of one family is placed (see
// placement.go) when, and as long as, one of its desired rules needs it:
// the rule's own-table translation fails only because an xtables
// extension the kernel loads only in a table of that name (TTL, TPROXY,
// NETMAP, ... in "mangle" or "nat") has no other form (xt.ErrTableBound).
// The chains of that table then move from the owner's table into
// iptables-nft's, and back when no rule needs it any more, each time in
// the one batch of the Apply: the owner's plan deletes (or creates) its
// table and addPlaced appends the placed side to the same batch.
//
// What the owner has placed is kept in memory (Backend.prevPlaced) from
// the last commit, so that a table it no longer places is read once more
// and emptied of its rules; a process that does not know (after New, or
// after an error dropped its state) reads the owner's marks in all five
// iptables tables of both families once (a table, chain and built-in chain
// rule dump each: large foreign user chains are never read).

// WithAutoPlacement turns automatic placement on (the default) or off.
// Off, a rule whose extension loads only in a table of another name than
// the owner's tables is refused, and only the tables of WithPlacement are
// placed.
func WithAutoPlacement(on bool) Option { return func(b *Backend) { b.noAuto = !on } }

// boundCause is why an iptables table of one family is placed
// automatically: the first rule that needs it and its extension.
type boundCause struct {
	rule string // the rule's label
	ext  *xt.Ext
}

func (c *boundCause) String() string {
	opt := "-m " + c.ext.Name
	if c.ext.Kind == xt.Target {
		opt = "-j " + c.ext.Name
	}
	return fmt.Sprintf("which rule %q needs: %s loads only in a table named %s", c.rule, opt, strings.Join(c.ext.Tables(), " or "))
}

// boundExt returns the extension that keeps r out of the owner's table
// table: its own-table translation fails only for it, and the kernel
// loads it in a table of that name. nil when r translates, fails for
// another reason, or needs a table of another name (placing would not
// help: the own-table error stands).
func boundExt(r *rule.Rule, table string) *xt.Ext {
	_, err := r.TranslateExprs()
	var tb *xt.TableBoundError
	if err == nil || !errors.As(err, &tb) || !slices.Contains(tb.Ext.Tables(), table) {
		return nil
	}
	return tb.Ext
}

// placedFn reports whether a (family, table) is placed.
type placedFn func(tableID) bool

// compileAll compiles the chains kept in the owner's tables and the placed
// ones: the tables of WithPlacement, in both families, and those that
// automatic placement needs (see above). pw is nil when nothing is placed.
func (b *Backend) compileAll(rs *firewall.Ruleset) (*desired, *placedWant, error) {
	// The tables placed automatically by the last compile are the first
	// guess, kept while one of their rules still needs them.
	auto := map[tableID]*boundCause{}
	memo := map[*rule.Rule]*xt.Ext{}
	if !b.noAuto && rs != nil {
		for id := range b.auto {
			if c := b.causeIn(rs, id, memo); c != nil {
				auto[id] = c
			}
		}
	}
	isPlaced := func(id tableID) bool { return b.placed[id.Table] || auto[id] != nil }
	for {
		own, placed := splitPlaced(rs, isPlaced)
		d, err := compile(b.owner, own, b.cache)
		if err != nil {
			if b.noAuto || !errors.Is(err, xt.ErrTableBound) || !b.findBound(own, auto, memo) {
				return nil, nil, err
			}
			continue
		}
		b.auto, b.boundMemo = auto, memo
		if len(placed) == 0 && len(b.placed) == 0 {
			return d, nil, nil
		}
		pw, err := compilePlaced(b.owner, placed, &b.placedCache, b.placedHead, func(id tableID) string {
			if c := auto[id]; c != nil {
				return " (" + c.String() + ")"
			}
			return ""
		})
		if pw != nil {
			pw.rank = tableRanks(rs)
		}
		return d, pw, err
	}
}

// causeIn returns the first rule of rs's chains of table id that needs a
// table named like it, or nil. memo (filled) and the last compile's memo
// spare translating a rule twice.
func (b *Backend) causeIn(rs *firewall.Ruleset, id tableID, memo map[*rule.Rule]*xt.Ext) *boundCause {
	for _, c := range rs.Chains {
		if c.Family != id.Fam || c.Table != id.Table {
			continue
		}
		for i, r := range c.Rules {
			if r.Spec == nil {
				continue
			}
			ext, ok := memo[r.Spec]
			if !ok {
				if ext, ok = b.boundMemo[r.Spec]; !ok {
					ext = boundExt(r.Spec, c.Table)
				}
				memo[r.Spec] = ext
			}
			if ext != nil {
				return &boundCause{rule: c.Label(i), ext: ext}
			}
		}
	}
	return nil
}

// findBound adds to auto the tables of own (the chains a compile refused)
// that a rule needs placed, and reports whether it added one. It runs only
// after a compile failed for an extension bound to a table name.
func (b *Backend) findBound(own *firewall.Ruleset, auto map[tableID]*boundCause, memo map[*rule.Rule]*xt.Ext) bool {
	added := false
	for _, c := range own.Chains {
		id := tableID{c.Family, c.Table}
		if auto[id] != nil || b.placed[c.Table] {
			continue
		}
		if cause := b.causeIn(&firewall.Ruleset{Chains: []*firewall.Chain{c}}, id, memo); cause != nil {
			auto[id] = cause
			added = true
		}
	}
	return added
}

// placedRead returns the (family, table)s whose placed state addPlaced
// and Read read: those desired (pw), those of WithPlacement in both
// families, and those the owner had something in after its last commit;
// discover is set when that last is unknown, and then every iptables
// table of both families is read.
func (b *Backend) placedRead(pw *placedWant) (ids map[tableID]bool, discover bool) {
	ids = map[tableID]bool{}
	for t := range b.placed {
		ids[tableID{rule.IPv4, t}], ids[tableID{rule.IPv6, t}] = true, true
	}
	if pw != nil {
		for id := range pw.tables {
			ids[id] = true
		}
	}
	if b.prevPlaced == nil {
		for _, t := range rule.Tables {
			ids[tableID{rule.IPv4, t}], ids[tableID{rule.IPv6, t}] = true, true
		}
		return ids, true
	}
	for id := range b.prevPlaced {
		ids[id] = true
	}
	return ids, false
}

// setPrevPlaced records where the owner has something placed (nil:
// unknown) and publishes it to the Watcher (owns).
func (b *Backend) setPrevPlaced(ids map[tableID]bool) {
	b.prevPlaced = ids
	if ids == nil {
		b.watched.Store(nil)
		return
	}
	w := make(map[tableID]bool, len(ids))
	for id := range ids {
		w[id] = true
	}
	b.watched.Store(&w)
}

// ownedIn returns the (family, table)s of ph in which the owner has
// something: a table or chain it created, or one of its rules.
func (ph *placedHave) ownedIn(owner string) map[tableID]bool {
	out := map[tableID]bool{}
	for id, ht := range ph.tables {
		if ph.mine[markKey(id, "")] {
			out[id] = true
			continue
		}
		for _, hc := range ht.chains {
			if ph.mine[markKey(id, hc.name)] || slices.ContainsFunc(hc.rules, func(hr *haveRule) bool { return markedBy(hr.udata, owner) }) {
				out[id] = true
				break
			}
		}
	}
	return out
}

// samePlaced reports whether two compiles of the placed chains (nil:
// nothing placed) desire the same, so that changes made to reach a are
// repairs of someone else's changes (drift) rather than of the desired
// state's.
func samePlaced(a, b *placedWant) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if len(a.tables) != len(b.tables) {
		return false
	}
	for id, at := range a.tables {
		bt := b.tables[id]
		if bt == nil || len(at.chains) != len(bt.chains) {
			return false
		}
		for j, ac := range at.chains {
			bc := bt.chains[j]
			if ac.name != bc.name || len(ac.rules) != len(bc.rules) || a.heads[ac] != b.heads[bc] {
				return false
			}
			for k, ar := range ac.rules {
				if ar.ent != bc.rules[k].ent {
					return false
				}
			}
		}
	}
	return true
}
