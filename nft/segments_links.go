package nft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
)

// The links between segments (segments.go): the goto or jump rules that
// lead from a chain to its segments, how a dumped one is recognised, and
// how the segments of a chain are found and merged back for Read.

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
	return s.walkFrom(fam, ht, c).segs
}

// walkFrom returns the walk of chain c's links from c (nothing walked when
// c does not exist).
func (s *segmenter) walkFrom(fam rule.Family, ht *haveTable, c string) *segWalk {
	w := &segWalk{s: s, fam: fam, ht: ht, c: c, seen: map[string]bool{}}
	if ht != nil && ht.byName[c] != nil {
		w.walk(ht.byName[c])
	}
	return w
}

// followAll is follow, then the segments of c no link leads to any more
// (a flush of c drops the links it holds): in the order of their ids, each
// followed by the segments its own links lead to. The layout then finds
// their rules and keeps them, where a repair would otherwise add every
// rule of the chain again. Read does not take them (mergeSegments): a
// segment nothing leads to holds rules no packet reaches.
//
// It returns where in the segments the ones nothing leads to start.
func (s *segmenter) followAll(fam rule.Family, ht *haveTable, c string) ([]segRef, int) {
	w := s.walkFrom(fam, ht, c)
	if len(w.segs) == 0 {
		return nil, 0
	}
	type orphan struct {
		hc *haveChain
		id int
	}
	var orphans []orphan
	for _, hc := range ht.chains {
		if of, ok := segmentOf(hc); ok && of == c && !w.seen[hc.name] {
			if _, id, ok := parseSegName(hc.name); ok {
				orphans = append(orphans, orphan{hc, id})
			}
		}
	}
	slices.SortFunc(orphans, func(a, b orphan) int { return a.id - b.id })
	linked := len(w.segs)
	for _, o := range orphans {
		if !w.seen[o.hc.name] {
			w.walk(o.hc)
		}
	}
	return w.segs, linked
}

// segWalk follows the links of chain c's segments.
type segWalk struct {
	s    *segmenter
	fam  rule.Family
	ht   *haveTable
	c    string
	seen map[string]bool
	segs []segRef
}

func (w *segWalk) walk(hc *haveChain) {
	w.seen[hc.name] = true
	rs := hc.rules
	// valid returns the segment rule i links to.
	valid := func(i int) *haveChain {
		t, ok := w.s.linkOf(w.fam, rs[i])
		if n := w.ht.byName[t]; ok && n != nil && !w.seen[t] {
			if of, ok := segmentOf(n); ok && of == w.c {
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
	w.segs = append(w.segs, segRef{hc, from, end})
	for k := len(next) - 1; k >= 0; k-- {
		if !w.seen[next[k].name] {
			w.walk(next[k])
		}
	}
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
