package nft

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// The segmented layout (WithSegments): the kernel's commit of any change
// to a chain rebuilds that chain's whole rule array, so inserting one rule
// into a 100k-rule chain costs ~78 ms of kernel time whatever nftsync
// does. An iptables chain C longer than the threshold is therefore kept
// as kernel chains ("segments") of about n rules each; C itself (for a
// built-in chain, its base chain) holds the first rules, and a one-rule
// change rewrites the one segment holding the rule. Two layouts keep
// iptables' meaning exactly:
//
//   - gotos: C ends with `goto` to the second segment, which ends with
//     `goto` to the third, and so on. `goto` does not push the jump stack,
//     so RETURN in any segment returns to C's caller, -g X in a segment
//     makes X return there too, falling off the last segment of a built-in
//     chain applies its policy, and `-j C` or `-g C` enter the first
//     segment.
//   - jumps, for a chain none of whose rules is RETURN or -g: C ends with
//     `jump` to each further segment in order. A segment that ends returns
//     to C, which jumps to the next; no rule of a segment can leave C
//     otherwise than with a final verdict, which ends the evaluation in
//     both layouts. This layout costs one level of the kernel's bound
//     below, whatever the number of segments.
//
// A segment is a regular chain named "C/segK", K > 0 padded with zeros to
// 29 characters or more (INPUT/seg0000000000000000001), whose chain
// userdata is the mark "segment of C" (a TLV of type udSegment holding C's
// name); K identifies the segment and never changes, the order is that of
// the links. iptables refuses chain names longer than 28 characters (-N
// and -j), as does nftsync's rule parser for jump targets, so no iptables
// chain or jump can name a segment, while nft still reads the name (with
// a space, `nft list chain` and `nft -f` of a listing would fail); the
// compile refuses a declared chain named like a segment all the same
// while segmenting (the engine itself accepts names up to 255 bytes).
// A link (the goto or jump to a segment) carries the userdata TLV
// udSegment or udSegmentJump holding its target, so that it is recognised
// after a dump. Read, list and diff show one chain C: the segments'
// rules in order, without the links (mergeSegments); the plan's changes
// name C and positions in C, and rules moved between segments by a
// rebalance are not reported (they did not change in iptables terms).
//
// Assignment is stable: a kept rule stays in the segment that holds it,
// so it keeps its handle; a new rule joins the segment of the rule before
// it (or of the deleted rule it replaces). A segment that grows past 2n
// rules is split into pieces of about n, one that shrinks below n/2 is
// merged with a neighbour, moving rules in the same atomic batch. The
// state after an Apply is one these rules leave alone, so a second Apply
// plans nothing.
//
// The kernel bounds the layout: it validates a table by walking every
// jump and goto from the base chains and refuses (EMLINK) a chain entered
// at level 16 (NFT_JUMP_STACK_SIZE), and a goto counts as a level there
// although it does not push the stack at run time (measured: a base chain
// with 15 gotos in a row loads, 16 do not). So a chain linked by gotos
// gets at most as many segments as the jumps around it leave levels for
// (budgets); past that its segments grow beyond 2n rules.

const (
	// udSegment is the userdata TLV type of a segment's mark (chain
	// userdata: the name of the chain it is a segment of) and of a link
	// (rule userdata: the segment it goes to).
	udSegment = 0xb
	// maxLevel is the deepest level the kernel lets a chain be entered
	// at: NFT_JUMP_STACK_SIZE - 1, a base chain being level 0.
	maxLevel = 15
	// udSegmentJump is the rule userdata TLV type of a link that jumps
	// (the layout of a chain without RETURN or -g).
	udSegmentJump = 0xc
	// segSep starts the suffix of a segment's name.
	segSep = "/seg"
)

// segmenter lays long chains out as segments; n is the target segment
// length (0: no segments).
type segmenter struct {
	n int
	// links are the entries of the gotos between segments, by family and
	// target, kept across Applies so that the state in memory recognises
	// them by pointer.
	links map[linkKey]*entry
}

// segName returns the name of segment id of chain c: c, "/seg" and id,
// with leading zeros up to the 29 characters iptables refuses.
func segName(c string, id int) string {
	digits := strconv.Itoa(id)
	if pad := rule.MaxChainNameLen + 1 - len(c) - len(segSep) - len(digits); pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	return c + segSep + digits
}

// parseSegName returns the chain and id a segment name stands for.
func parseSegName(name string) (string, int, bool) {
	i := strings.LastIndex(name, segSep)
	if i <= 0 {
		return "", 0, false
	}
	id, err := strconv.Atoi(name[i+len(segSep):])
	if err != nil || id <= 0 || segName(name[:i], id) != name {
		return "", 0, false
	}
	return name[:i], id, true
}

// segMark is the chain userdata of a segment of c.
func segMark(c string) []byte { return append([]byte{udSegment, byte(len(c))}, c...) }

// segmentOf returns the chain hc is a segment of: its mark names it and
// its name is a segment name of it.
func segmentOf(hc *haveChain) (string, bool) {
	ud := hc.udata
	if len(ud) < 2 || ud[0] != udSegment || int(ud[1]) != len(ud)-2 {
		return "", false
	}
	c := string(ud[2:])
	if pc, _, ok := parseSegName(hc.name); !ok || pc != c {
		return "", false
	}
	return c, true
}

// segPos places a kernel chain in its iptables chain: the chain's name
// and the position of the kernel chain's first rule in it.
type segPos struct {
	chain string
	off   int
}

// movedKey counts the rules a layout moves between segments.
type movedKey struct {
	id    tableID
	chain string
	spec  string
}

// segMap translates the changes planned on the segmented layout back to
// iptables chains.
type segMap struct {
	have, want map[tableID]map[string]segPos
	// moved counts the rules the layout moves to another segment.
	moved map[movedKey]int
	// links are the links of the layout.
	links []*entry
	// unlinked are the segments nothing led to (followAll), whose rules
	// Read did not show: their deletions are not reported, and relinked
	// are the additions the layout reports instead for the rules it keeps
	// from them.
	unlinked map[tableID]map[string]bool
	relinked []firewall.Change
}

// group is a run of a chain's desired rules, rules[lo:hi], held by one
// kernel chain: an existing segment (hc) or a new one.
type group struct {
	hc     *haveChain
	name   string
	lo, hi int
}

func (g *group) size() int { return g.hi - g.lo }

// layout returns d laid out in segments, given the state st it is
// planned against, and the map of the segments for the plan's changes.
func (s *segmenter) layout(d *desired, st *actual) (*desired, *segMap, error) {
	// kd takes d's freshly built entries, which the plan makes slim, and
	// the forms compile printed of them, which name its new rules.
	kd := &desired{owner: d.owner, byID: make(map[tableID]*wantTable, len(d.tables)), built: d.built, texts: d.texts}
	d.built, d.texts = nil, nil
	sm := &segMap{have: map[tableID]map[string]segPos{}, want: map[tableID]map[string]segPos{}, moved: map[movedKey]int{}}
	for _, wt := range d.tables {
		ht := st.tables[wt.id]
		if ht != nil && ht.adopt {
			ht = nil // re-created (see planner.table)
		}
		nt := &wantTable{id: wt.id, name: wt.name, byName: make(map[string]*wantChain, len(wt.chains))}
		kd.tables = append(kd.tables, nt)
		kd.byID[wt.id] = nt
		var budget map[string]budget
		if s.n > 0 {
			budget = budgets(wt, s.n)
		}
		for _, wc := range wt.chains {
			chains, err := s.chain(d, wt, ht, wc, budget[wc.name], sm)
			if err != nil {
				return nil, nil, err
			}
			for _, c := range chains {
				nt.chains = append(nt.chains, c)
				nt.byName[c.name] = c
				kd.rules += len(c.rules)
			}
		}
	}
	if d.byUdata != nil {
		// Built while matching: the links join it rather than it being
		// built again for kd.
		for _, e := range sm.links {
			d.byUdata[famKey(e.fam, string(e.userdata()))] = e
		}
		kd.byUdata = d.byUdata
	}
	s.sweepLinks(sm.links)
	return kd, sm, nil
}

// sweepLinks drops the links no longer used once they outnumber the used
// ones (segments that went keep their entries until then), as the rule
// cache does.
func (s *segmenter) sweepLinks(used []*entry) {
	if len(s.links) <= 2*len(used)+64 {
		return
	}
	keep := make(map[*entry]bool, len(used))
	for _, e := range used {
		keep[e] = true
	}
	for k, e := range s.links {
		if !keep[e] {
			delete(s.links, k)
		}
	}
}

// chain lays out one desired chain in at most k segments (k 0: one).
func (s *segmenter) chain(d *desired, wt *wantTable, ht *haveTable, wc *wantChain, bud budget, sm *segMap) ([]*wantChain, error) {
	fam := wt.id.Fam
	segs, linked := s.followAll(fam, ht, wc.name)
	m := len(wc.rules)
	k := max(bud.k, 1)
	if len(wc.name)+len(segSep)+12 > 255 {
		k = 1 // no room for a segment's name
	}
	neff := max(s.n, (m+k-1)/k, 1)
	if len(segs) <= 1 && (k == 1 || m <= 2*neff) {
		return []*wantChain{wc}, nil
	}
	// Match the rules of the segments, in order, with the desired ones.
	parts := make([][]*haveRule, len(segs))
	haveOff := map[string]segPos{}
	for si, sc := range segs {
		parts[si] = sc.rules()
	}
	have := seqOf(parts...)
	for si, sc := range segs {
		haveOff[sc.hc.name] = segPos{wc.name, have.offs[si]}
	}
	sm.have[wt.id] = mergePos(sm.have[wt.id], haveOff)
	p := &planner{d: d}
	mt := p.matchRules(fam, have, wc.rules)
	if linked < len(segs) {
		sm.relink(wt.id, wc, segs[linked:], have.offs[linked], mt, d)
	}
	n := have.len()
	// segOf returns the segment holding actual rule i, for i not
	// decreasing from one call to the next.
	si := 0
	segOf := func(i int) int {
		for have.offs[si+1] <= i {
			si++
		}
		return si
	}
	// kept reports whether actual rule i is kept.
	keptMid := make([]bool, n-mt.pre-mt.suf)
	for _, i := range mt.mid {
		if i >= 0 {
			keptMid[i-mt.pre] = true
		}
	}
	kept := func(i int) bool { return i < mt.pre || i >= n-mt.suf || keptMid[i-mt.pre] }
	// Each desired rule goes to the segment holding it, a new one to that
	// of the rule before it (the first segment when none is before), or
	// in the place of deleted ones to the segment that held the first of
	// them, so that replacing a rule rewrites one segment.
	groups := make([]*group, max(len(segs), 1))
	for i := range groups {
		groups[i] = &group{name: wc.name}
		if i < len(segs) {
			groups[i].hc, groups[i].name = segs[i].hc, segs[i].hc.name
		}
	}
	count := make([]int, len(groups))
	cur, last := 0, -1
	for j := range wc.rules {
		switch i := mt.of(j); {
		case i >= 0:
			cur, last = segOf(i), i
		case last+1 < n && !kept(last+1):
			cur = segOf(last + 1)
		}
		count[cur]++
	}
	// cur never decreases (the match keeps the order): each segment's
	// rules are the next count of them.
	at := 0
	for i, g := range groups {
		g.lo, g.hi = at, at+count[i]
		at = g.hi
	}
	// Each kept rule is in the group of the segment holding it until a
	// rebalance merges or splits groups: only then can one move.
	groups, rebalanced := rebalance(groups, k, neff)
	// New segments take ids no chain of the table has.
	nextID := 1
	for _, c := range wt.chains {
		if pc, id, ok := parseSegName(c.name); ok && pc == wc.name {
			nextID = max(nextID, id+1)
		}
	}
	if ht != nil {
		for _, c := range ht.chains {
			if pc, id, ok := parseSegName(c.name); ok && pc == wc.name {
				nextID = max(nextID, id+1)
			}
		}
	}
	for _, g := range groups[1:] {
		if g.hc == nil {
			g.name = segName(wc.name, nextID)
			nextID++
		}
	}
	// Rules matched in one segment and laid out in another are moved.
	si = 0
	for _, g := range groups {
		if !rebalanced {
			break
		}
		for j := g.lo; j < g.hi; j++ {
			if i := mt.of(j); i >= 0 && segs[segOf(i)].hc != g.hc {
				sm.moved[movedKey{wt.id, wc.name, wc.rules[j].ent.text()}]++
			}
		}
	}
	out := make([]*wantChain, len(groups))
	wantOff := map[string]segPos{}
	src := &firewall.Chain{Family: fam, Table: wt.id.Table, Name: wc.name, Rules: []firewall.Rule{{Label: "link between segments of " + wc.name}}}
	for gi, g := range groups {
		c := &wantChain{name: g.name, rules: wc.rules[g.lo:g.hi:g.hi]}
		if gi == 0 {
			c.base, c.policy = wc.base, wc.policy
		} else {
			c.udata = segMark(wc.name)
		}
		wantOff[c.name] = segPos{wc.name, g.lo}
		out[gi] = c
	}
	// With jumps, the chain itself ends with a jump to each segment;
	// with gotos, each segment but the last goes to the next.
	for gi := 1; gi < len(groups); gi++ {
		from := out[gi-1]
		if bud.jump {
			from = out[0]
		}
		e, err := s.link(fam, out[gi].name, bud.jump)
		if err != nil {
			return nil, err
		}
		from.rules = append(from.rules, &wantRule{src: src, ent: e, flow: e.flow})
		sm.links = append(sm.links, e)
	}
	sm.want[wt.id] = mergePos(sm.want[wt.id], wantOff)
	return out, nil
}

func mergePos(into, from map[string]segPos) map[string]segPos {
	if into == nil {
		return from
	}
	for k, v := range from {
		into[k] = v
	}
	return into
}

// rebalance merges segments shorter than n/2 into a neighbour and while
// there are more than k, then splits those longer than 2n into pieces of
// about n while there are fewer than k. The first group (the chain
// itself) always stays; of two merged segments the longer stays, so that
// fewer rules move. changed reports whether it merged or split any.
func rebalance(groups []*group, k, n int) (_ []*group, changed bool) {
	for {
		if len(groups) <= 1 {
			break
		}
		at := -1
		if len(groups) > k {
			best := -1
			for i := 0; i+1 < len(groups); i++ {
				if sz := groups[i].size() + groups[i+1].size(); best < 0 || sz < best {
					best, at = sz, i
				}
			}
		} else if i := short(groups, n); i == 0 {
			at = 0
		} else if i > 0 {
			if i == len(groups)-1 || groups[i-1].size() <= groups[i+1].size() {
				at = i - 1
			} else {
				at = i
			}
		}
		if at < 0 {
			break
		}
		a, b := groups[at], groups[at+1]
		if at > 0 && b.size() > a.size() {
			a.hc, a.name = b.hc, b.name
		}
		a.hi = b.hi
		groups, changed = append(groups[:at+1], groups[at+2:]...), true
	}
	for i := 0; i < len(groups); i++ {
		g := groups[i]
		x := g.size()
		if x <= 2*n || len(groups) >= k {
			continue
		}
		p := min((x+n-1)/n, k-len(groups)+1)
		pieces := make([]*group, p)
		for q := range pieces {
			pieces[q] = &group{lo: g.lo + q*x/p, hi: g.lo + (q+1)*x/p}
		}
		pieces[0].hc, pieces[0].name = g.hc, g.name
		groups, changed = append(groups[:i], append(pieces, groups[i+1:]...)...), true
		i += p - 1
	}
	return groups, changed
}

// short returns the first group shorter than n/2 (an empty one but the
// first), or -1.
func short(groups []*group, n int) int {
	for i, g := range groups {
		if 2*g.size() < n || i > 0 && g.size() == 0 {
			return i
		}
	}
	return -1
}

// relink notes the segments of chain wc nothing led to (those of segs,
// whose rules start at off among the matched ones) and, as additions to
// wc, the desired rules the layout keeps from them: Read, which follows
// only links, did not show them in the chain.
func (sm *segMap) relink(id tableID, wc *wantChain, segs []segRef, off int, mt matching, d *desired) {
	if sm.unlinked == nil {
		sm.unlinked = map[tableID]map[string]bool{}
	}
	if sm.unlinked[id] == nil {
		sm.unlinked[id] = map[string]bool{}
	}
	for _, sc := range segs {
		sm.unlinked[id][sc.hc.name] = true
	}
	for j, w := range wc.rules {
		if i := mt.of(j); i >= off {
			sm.relinked = append(sm.relinked, firewall.Change{Op: firewall.AddRule, Family: id.Fam, Table: id.Table, Chain: wc.name, Rule: d.text(w.ent), Position: j})
		}
	}
}

// rewrite translates changes planned on the segmented layout to the
// iptables chains: segments' rules are their chain's at their position
// in it, links and segments are not reported, nor rules a rebalance
// moved.
func (sm *segMap) rewrite(changes []firewall.Change) []firewall.Change {
	out := changes[:0]
	moved := sm.moved
	for _, c := range changes {
		id := tableID{c.Family, c.Table}
		if c.Op == firewall.DeleteRule && sm.unlinked[id][c.Chain] {
			continue
		}
		switch c.Op {
		case firewall.AddChain, firewall.DeleteChain:
			if pos, ok := sm.want[id][c.Chain]; ok && pos.chain != c.Chain {
				continue
			}
			if pos, ok := sm.have[id][c.Chain]; ok && pos.chain != c.Chain {
				continue
			}
		case firewall.AddRule, firewall.DeleteRule:
			if isLinkSpec(c.Rule) {
				continue
			}
			where := sm.want
			if c.Op == firewall.DeleteRule {
				where = sm.have
			}
			if pos, ok := where[id][c.Chain]; ok {
				c.Chain, c.Position = pos.chain, c.Position+pos.off
			}
		}
		out = append(out, c)
	}
	out = append(out, sm.relinked...)
	if len(moved) == 0 {
		return out
	}
	// A moved rule is one deletion and one addition of the same rule.
	dels, adds := map[movedKey]int{}, map[movedKey]int{}
	for k, v := range moved {
		dels[k], adds[k] = v, v
	}
	kept := out[:0]
	for _, c := range out {
		k := movedKey{tableID{c.Family, c.Table}, c.Chain, c.Rule}
		switch {
		case c.Op == firewall.DeleteRule && dels[k] > 0:
			dels[k]--
			continue
		case c.Op == firewall.AddRule && adds[k] > 0:
			adds[k]--
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// needed reports whether a chain of d is long enough to be laid out in
// segments (see chain): most rulesets have none, and are planned as they
// are. A chain named like a segment is refused while segmenting, long
// chains or not.
func (s *segmenter) needed(d *desired) (bool, error) {
	long := false
	for _, wt := range d.tables {
		for _, wc := range wt.chains {
			if _, _, ok := parseSegName(wc.name); ok {
				return false, fmt.Errorf("chain %s %q: names ending in %q and a number are those of segments (WithSegments)", wt.id.Table, wc.name, segSep)
			}
			long = long || len(wc.rules) > 2*s.n
		}
	}
	return long, nil
}

// makePlan plans d against st, in segments when a chain of d is long
// enough (needed) or st holds some (they are then merged back or kept).
func (b *Backend) makePlan(d *desired, st *actual) (*plan, error) {
	long := false
	if b.seg.n > 0 {
		var err error
		if long, err = b.seg.needed(d); err != nil {
			return nil, err
		}
	}
	if !long && !hasSegments(st) {
		return makePlan(d, st)
	}
	kd, sm, err := b.seg.layout(d, st)
	if err != nil {
		return nil, err
	}
	pl, err := makePlan(kd, st)
	if err != nil {
		return nil, err
	}
	pl.changes = sm.rewrite(pl.changes)
	return pl, nil
}
