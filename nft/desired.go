package nft

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// wantRule is a desired rule: where it comes from and its compiled entry.
type wantRule struct {
	src *firewall.Chain // the rule is src.Rules[idx]
	idx int
	ent *entry
	// flow is ent.flow, kept here so that the segmented layout's budgets
	// read the desired rules in order, not every entry (at 100k rules a
	// quarter of a one-rule change's plan).
	flow uint8
}

// wantChain is a desired chain in its owned table.
type wantChain struct {
	name   string
	base   *baseSpec
	policy uint32
	rules  []*wantRule
	// udata is the chain's userdata: the mark of a segment (segments.go),
	// else nil.
	udata []byte
}

// wantTable is a desired owned table.
type wantTable struct {
	id     tableID
	name   string
	chains []*wantChain
	byName map[string]*wantChain
}

// desired is a compiled Ruleset.
type desired struct {
	owner  string
	tables []*wantTable
	byID   map[tableID]*wantTable
	rules  int
	// byUdata finds the desired rule a dumped rule claims to be by its
	// family and userdata (famKey), built on the first dump that needs
	// it. The userdata holds the rule's iptables form, from which the
	// cache key (family and Spec.String()) follows, but for the counters
	// a rule starts from (-c), which are in the cache key and not in the
	// userdata: entries that differ only by them share userdata, and
	// byUdata holds one of them, one without counters when there is one
	// (see class).
	byUdata map[string]*entry
	// built are the entries compiled for it, made slim once planned
	// (see slim.go).
	built []*entry
	// texts are the iptables-save forms of entries in built, printed to
	// find them in the cache: the plan's changes name the rules with them
	// rather than printing every new rule again. Dropped with built.
	texts map[*entry]string
	// arena and ptrs hold the wantRules of every chain, and the chains'
	// rule slices, in one allocation each: a later compile fills them
	// again once this state is no longer used (ruleCache.spare).
	arena []wantRule
	ptrs  []*wantRule
}

// text returns the iptables-save form of e, for plans.
func (d *desired) text(e *entry) string {
	if t, ok := d.texts[e]; ok {
		return t
	}
	return e.text()
}

// class returns the entry that stands for e when dumped rules are
// identified: e itself, but for a rule with starting counters, which is
// the same rule as the entry without them (or with other counters) that
// byUdata holds. A dumped rule cannot tell which of them it was
// installed as, and need not: counters are not part of a rule's meaning.
func (d *desired) class(e *entry) *entry {
	if !e.counted {
		return e
	}
	d.index()
	if c := d.byUdata[famKey(e.fam, string(e.userdata()))]; c != nil {
		return c
	}
	return e
}

// index builds byUdata.
func (d *desired) index() {
	if d.byUdata != nil {
		return
	}
	d.byUdata = make(map[string]*entry, d.rules)
	for _, t := range d.tables {
		for _, c := range t.chains {
			for _, w := range c.rules {
				k := famKey(w.ent.fam, string(w.ent.userdata()))
				if old := d.byUdata[k]; old == nil || old.counted {
					d.byUdata[k] = w.ent
				}
			}
		}
	}
}

// compile translates a Ruleset into the owned layout of owner. It checks
// what it must to build messages, not what the kernel checks anyway (a
// jump to a missing chain is the kernel's to refuse).
func compile(owner string, rs *firewall.Ruleset, cache *ruleCache) (*desired, error) {
	d := &desired{owner: owner, byID: map[tableID]*wantTable{}}
	if rs == nil {
		return d, nil
	}
	hints := cache.last
	n := 0
	for _, c := range rs.Chains {
		n += len(c.Rules)
	}
	var misses []*wantRule
	if hints == nil {
		// The first compile finds no rule by pointer: room for all.
		misses = make([]*wantRule, 0, n)
	}
	// Every element of both is set below.
	if sp := cache.spare; sp != nil && cap(sp.arena) >= n && cap(sp.ptrs) >= n {
		d.arena, d.ptrs = sp.arena[:n], sp.ptrs[:n]
	} else {
		d.arena, d.ptrs = make([]wantRule, n), make([]*wantRule, n)
	}
	cache.spare = nil
	at := 0
	for _, c := range rs.Chains {
		if err := rule.CheckTable(c.Table); err != nil {
			return nil, fmt.Errorf("chain %s: %w", c.Name, err)
		}
		if c.Family != rule.IPv4 && c.Family != rule.IPv6 {
			return nil, fmt.Errorf("chain %s %s: unknown family %d", c.Table, c.Name, c.Family)
		}
		id := tableID{c.Family, c.Table}
		t := d.byID[id]
		if t == nil {
			t = &wantTable{id: id, name: nftName(owner, c.Table), byName: map[string]*wantChain{}}
			d.byID[id] = t
			d.tables = append(d.tables, t)
		}
		if t.byName[c.Name] != nil {
			return nil, fmt.Errorf("chain %s %s declared twice (%s)", c.Table, c.Name, c.Family)
		}
		if c.Name == "" || len(c.Name) > 255 || strings.ContainsRune(c.Name, 0) {
			return nil, fmt.Errorf("chain %s %q: invalid name", c.Table, c.Name)
		}
		wc := &wantChain{name: c.Name, base: base(c.Table, c.Name), policy: policyValue(c.Policy)}
		switch {
		case wc.base == nil && c.Policy != "":
			return nil, fmt.Errorf("chain %s %s: only built-in chains have a policy", c.Table, c.Name)
		case c.Policy != "" && c.Policy != "ACCEPT" && c.Policy != "DROP":
			return nil, fmt.Errorf("chain %s %s: policy must be ACCEPT or DROP, not %q", c.Table, c.Name, c.Policy)
		}
		t.byName[c.Name] = wc
		t.chains = append(t.chains, wc)
		// Capped, so that an append to one chain's rules (segments.go)
		// never writes into the next one's.
		wc.rules = d.ptrs[at : at+len(c.Rules) : at+len(c.Rules)]
		ws := d.arena[at : at+len(c.Rules) : at+len(c.Rules)]
		at += len(c.Rules)
		h := hints.chain(id, c.Name)
		for i, r := range c.Rules {
			if r.Spec == nil {
				return nil, fmt.Errorf("chain %s %s: rule %d has no spec", c.Table, c.Name, i)
			}
			// A rule found by pointer in the same chain (so the same
			// family) of the previous compile was checked then: reading
			// its family again is a cache miss a rule.
			old := h.find(i, r.Spec)
			if old == nil && r.Spec.Family != c.Family {
				return nil, &firewall.RuleError{Rule: c.Label(i), Err: fmt.Errorf("rule is for %s, chain for %s", r.Spec.Family, c.Family)}
			}
			ws[i] = wantRule{src: c, idx: i}
			if old != nil {
				ws[i].ent, ws[i].flow = old.ent, old.flow
			}
			wc.rules[i] = &ws[i]
			if ws[i].ent == nil {
				misses = append(misses, &ws[i])
			}
		}
		d.rules += len(c.Rules)
	}
	var err error
	if d.built, d.texts, err = cache.fill(misses); err != nil {
		return nil, err
	}
	for _, w := range misses {
		w.flow = w.ent.flow
	}
	cache.end(d)
	cache.last = d
	return d, nil
}

// sameDesired reports whether two compiled desired states are the same:
// the same tables, chains, policies and rules (entries are shared between
// equal rules as long as they are cached).
func sameDesired(a, b *desired) bool {
	if a == nil || b == nil || len(a.tables) != len(b.tables) || a.rules != b.rules {
		return false
	}
	for i, at := range a.tables {
		bt := b.tables[i]
		if at.id != bt.id || len(at.chains) != len(bt.chains) {
			return false
		}
		for j, ac := range at.chains {
			bc := bt.chains[j]
			if ac.name != bc.name || ac.policy != bc.policy || !sameHook(ac.base, bc.base) || len(ac.rules) != len(bc.rules) {
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

// label names the rule in errors.
func (w *wantRule) label() string { return w.src.Label(w.idx) }

// famKey prefixes s with a rule family, so that the same text (a spec, a
// userdata) in both families makes two keys.
func famKey(fam rule.Family, s string) string { return string(rune('0'+fam)) + s }
