package nft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
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

// linkSpec is how a link shows in plans and errors: not an iptables rule,
// so never equal to one's spec.
func linkSpec(target string, jump bool) string {
	if jump {
		return "<jump segment " + strconv.Quote(target) + ">"
	}
	return "<goto segment " + strconv.Quote(target) + ">"
}

// isLinkSpec reports whether a change's rule is a link.
func isLinkSpec(s string) bool {
	return strings.HasPrefix(s, "<goto segment ") || strings.HasPrefix(s, "<jump segment ")
}

// newLink builds the entry of a goto (or jump) to a segment.
func newLink(fam rule.Family, target string, jump bool) (*entry, error) {
	if len(target) > 255 {
		return nil, fmt.Errorf("segment name %q too long", target)
	}
	x := &expr.Verdict{Kind: expr.VerdictGoto, Chain: target}
	typ := byte(udSegment)
	if jump {
		x.Kind, typ = expr.VerdictJump, udSegmentJump
	}
	b, err := rule.MarshalExpr(nfproto(fam), x)
	if err != nil {
		return nil, fmt.Errorf("marshalling the link to segment %q: %w", target, err)
	}
	e := &entry{fam: fam, spec: linkSpec(target, jump)}
	if n := normalize(x); n != expr.Any(x) {
		nb, err := rule.MarshalExpr(nfproto(fam), n)
		if err != nil {
			return nil, err
		}
		e.norms = []normElem{{0, nb}}
	}
	ud := append([]byte{typ, byte(len(target))}, target...)
	if err := e.setBody([][]byte{b}, ud, nil); err != nil {
		return nil, err
	}
	return e, nil
}

// linkKey finds a link's entry.
type linkKey struct {
	fam    rule.Family
	target string
	jump   bool
}

// link returns the (cached) entry of a link to target.
func (s *segmenter) link(fam rule.Family, target string, jump bool) (*entry, error) {
	k := linkKey{fam, target, jump}
	if e := s.links[k]; e != nil {
		return e, nil
	}
	e, err := newLink(fam, target, jump)
	if err != nil {
		return nil, err
	}
	if s.links == nil {
		s.links = map[linkKey]*entry{}
	}
	s.links[k] = e
	return e, nil
}

// linkOf returns the segment a rule goes to when it is a link: its
// userdata says so and its expression is that goto or jump (a dumped
// rule is then known as the link entry).
func (s *segmenter) linkOf(fam rule.Family, hr *haveRule) (string, bool) {
	ud := hr.udata
	if hr.ent != nil {
		ud = hr.ent.userdata()
	}
	if len(ud) < 2 || ud[0] != udSegment && ud[0] != udSegmentJump || int(ud[1]) != len(ud)-2 {
		return "", false
	}
	target := string(ud[2:])
	if hr.ent != nil {
		return target, true
	}
	e, err := s.link(fam, target, ud[0] == udSegmentJump)
	if err != nil || !e.sameExprs(nfproto(fam), hr.elems) {
		return "", false
	}
	hr.ent = e
	return target, true
}

// segRef is a kernel chain of a segmented chain and the range of its
// links to further segments, rules[from:to].
type segRef struct {
	hc       *haveChain
	from, to int
}

// rules returns the segment's rules but its links.
func (r segRef) rules() []*haveRule {
	if r.from == r.to {
		return r.hc.rules
	}
	return append(r.hc.rules[:r.from:r.from], r.hc.rules[r.to:]...)
}

// maxAfterLinks is how many rules someone may have added after a
// segment's links for them to be found still; past that the segments
// they lead to are taken for stale and made again.
const maxAfterLinks = 16

// follow returns the chain c of ht and its segments in the order their
// rules are evaluated (nil when c does not exist): each kernel chain's
// rules, then the segments its links (its last rules) lead to, in order,
// each a chain marked as a segment of c.
func (s *segmenter) follow(fam rule.Family, ht *haveTable, c string) []segRef {
	if ht == nil || ht.byName[c] == nil {
		return nil
	}
	var segs []segRef
	seen := map[string]bool{}
	var walk func(hc *haveChain)
	walk = func(hc *haveChain) {
		seen[hc.name] = true
		rs := hc.rules
		// valid returns the segment rule i links to.
		valid := func(i int) *haveChain {
			t, ok := s.linkOf(fam, rs[i])
			if n := ht.byName[t]; ok && n != nil && !seen[t] {
				if of, ok := segmentOf(n); ok && of == c {
					return n
				}
			}
			return nil
		}
		end := len(rs)
		for end > 0 && len(rs)-end < maxAfterLinks && valid(end-1) == nil {
			end--
		}
		var next []*haveChain
		from := end
		for from > 0 {
			n := valid(from - 1)
			if n == nil || slices.Contains(next, n) {
				break
			}
			next = append(next, n)
			from--
		}
		if len(next) == 0 {
			from, end = len(rs), len(rs)
		}
		segs = append(segs, segRef{hc, from, end})
		for k := len(next) - 1; k >= 0; k-- {
			if !seen[next[k].name] {
				walk(next[k])
			}
		}
	}
	walk(ht.byName[c])
	return segs
}

// hasSegments reports whether st holds any segment.
func hasSegments(st *actual) bool {
	for _, ht := range st.tables {
		for _, hc := range ht.chains {
			if _, ok := segmentOf(hc); ok {
				return true
			}
		}
	}
	return false
}

// mergeSegments returns st with every segmented chain shown as one chain:
// its segments' rules in order, without the links. A segment no chain
// leads to stays as it is, so that what is wrong shows.
func mergeSegments(st *actual) *actual {
	if !hasSegments(st) {
		return st
	}
	var s segmenter
	out := &actual{tables: make(map[tableID]*haveTable, len(st.tables)), foreign: st.foreign}
	for id, ht := range st.tables {
		nt := *ht
		nt.chains, nt.byName = nil, make(map[string]*haveChain, len(ht.chains))
		merged := map[string]*haveChain{}
		used := map[string]bool{}
		for _, hc := range ht.chains {
			if _, seg := segmentOf(hc); seg {
				continue
			}
			segs := s.follow(id.Fam, ht, hc.name)
			if len(segs) <= 1 {
				continue
			}
			mc := &haveChain{name: hc.name, base: hc.base, policy: hc.policy, udata: hc.udata}
			for _, sc := range segs {
				mc.rules = append(mc.rules, sc.rules()...)
				used[sc.hc.name] = true
			}
			merged[hc.name] = mc
		}
		for _, hc := range ht.chains {
			if mc := merged[hc.name]; mc != nil {
				hc = mc
			} else if used[hc.name] {
				continue
			}
			nt.chains = append(nt.chains, hc)
			nt.byName[hc.name] = hc
		}
		out.tables[id] = &nt
	}
	return out
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
	kd := &desired{owner: d.owner, byID: make(map[tableID]*wantTable, len(d.tables))}
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
			for _, wc := range wt.chains {
				if _, _, ok := parseSegName(wc.name); ok {
					return nil, nil, fmt.Errorf("chain %s %q: names ending in %q and a number are those of segments (WithSegments)", wt.id.Table, wc.name, segSep)
				}
			}
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
	return kd, sm, nil
}

// chain lays out one desired chain in at most k segments (k 0: one).
func (s *segmenter) chain(d *desired, wt *wantTable, ht *haveTable, wc *wantChain, bud budget, sm *segMap) ([]*wantChain, error) {
	fam := wt.id.Fam
	segs := s.follow(fam, ht, wc.name)
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
	groups = rebalance(groups, k, neff)
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
		for j := g.lo; j < g.hi; j++ {
			if i := mt.of(j); i >= 0 && segs[segOf(i)].hc != g.hc {
				sm.moved[movedKey{wt.id, wc.name, wc.rules[j].ent.spec}]++
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
		from.rules = append(from.rules, &wantRule{src: src, ent: e})
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
// fewer rules move.
func rebalance(groups []*group, k, n int) []*group {
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
		groups = append(groups[:at+1], groups[at+2:]...)
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
		groups = append(groups[:i], append(pieces, groups[i+1:]...)...)
		i += p - 1
	}
	return groups
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

// Flows of a rule (entry.flow).
const (
	// flowJump: the rule jumps or goes to a chain.
	flowJump = 1 << iota
	// flowLeaves: the rule returns or goes to a chain (-g): it leaves
	// its chain otherwise than by a final verdict.
	flowLeaves
)

// flowOf returns the flow of a rule.
func flowOf(r *rule.Rule) uint8 {
	switch t := r.Target.(type) {
	case *rule.Jump:
		if t.Goto {
			return flowJump | flowLeaves
		}
		return flowJump
	case *rule.Verdict:
		if t.Kind == "RETURN" {
			return flowLeaves
		}
	}
	return 0
}

// budget is how a long chain may be laid out: in at most k segments,
// linked by jumps from the chain itself when jump is set.
type budget struct {
	k    int
	jump bool
}

// budgets returns how each long chain of wt may be laid out so that no
// chain is entered past maxLevel (see the kernel bound above). A chain
// none of whose rules returns (RETURN) or goes (-g) is laid out with
// jumps, which costs one level whatever the number of segments; the
// levels a chain's longest path of jumps leaves over, less one for each
// such chain on the path, are shared among the other long chains on it.
func budgets(wt *wantTable, n int) map[string]budget {
	edges := make(map[string][]string, len(wt.chains))
	// imp and pur are 1 for a long chain laid out with gotos and with
	// jumps.
	imp, pur := map[string]int{}, map[string]int{}
	for _, wc := range wt.chains {
		seen := map[string]bool{}
		pure := true
		for _, wr := range wc.rules {
			f := wr.ent.flow
			if f == 0 {
				continue
			}
			pure = pure && f&flowLeaves == 0
			if t, ok := wr.src.Rules[wr.idx].Spec.Target.(*rule.Jump); ok && wt.byName[t.Chain] != nil && !seen[t.Chain] {
				seen[t.Chain] = true
				edges[wc.name] = append(edges[wc.name], t.Chain)
			}
		}
		if len(wc.rules) > n {
			if pure {
				pur[wc.name] = 1
			} else {
				imp[wc.name] = 1
			}
		}
	}
	// below: the longest path of jumps under a chain and the most long
	// chains of each kind on one, the chain included (maxLevel+1 on a
	// loop, which the kernel refuses anyway).
	type counts struct{ h, imp, pur int }
	under := map[string]*counts{}
	visiting := &counts{}
	var below func(c string, depth int) counts
	below = func(c string, depth int) counts {
		if u := under[c]; u != nil {
			if u == visiting {
				return counts{maxLevel + 1, maxLevel + 1, maxLevel + 1}
			}
			return *u
		}
		if depth > maxLevel {
			return counts{maxLevel + 1, maxLevel + 1, maxLevel + 1}
		}
		under[c] = visiting
		var u counts
		for _, t := range edges[c] {
			tu := below(t, depth+1)
			u = counts{max(u.h, tu.h+1), max(u.imp, tu.imp), max(u.pur, tu.pur)}
		}
		u.imp += imp[c]
		u.pur += pur[c]
		under[c] = &u
		return u
	}
	// above: the longest path of jumps from a base chain to a chain and
	// the most long chains of each kind on one, the chain included.
	over := map[string]*counts{}
	var above func(c string, at counts)
	above = func(c string, at counts) {
		at.imp += imp[c]
		at.pur += pur[c]
		o := over[c]
		if o != nil && o.h >= at.h && o.imp >= at.imp && o.pur >= at.pur || at.h > maxLevel {
			return
		}
		if o == nil {
			o = &counts{}
			over[c] = o
		}
		*o = counts{max(o.h, at.h), max(o.imp, at.imp), max(o.pur, at.pur)}
		for _, t := range edges[c] {
			above(t, counts{at.h + 1, at.imp, at.pur})
		}
	}
	for _, wc := range wt.chains {
		if wc.base != nil {
			above(wc.name, counts{})
		}
	}
	out := map[string]budget{}
	for _, wc := range wt.chains {
		c := wc.name
		if imp[c]+pur[c] == 0 {
			continue
		}
		u, o := below(c, 0), counts{0, imp[c], pur[c]}
		if over[c] != nil {
			o = *over[c]
		}
		spare := maxLevel - o.h - u.h
		imps, purs := o.imp+u.imp-imp[c], o.pur+u.pur-pur[c]
		switch {
		case pur[c] == 1 && spare >= purs:
			out[c] = budget{k: 1 << 30, jump: true}
		case pur[c] == 1:
			out[c] = budget{k: 1}
		default:
			out[c] = budget{k: 1 + max(spare-purs, 0)/max(imps, 1)}
		}
	}
	return out
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

// makePlan plans d against st, in segments when WithSegments asks for
// them or st holds some (they are then merged back).
func (b *Backend) makePlan(d *desired, st *actual) (*plan, error) {
	if b.seg.n == 0 && !hasSegments(st) {
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
