package nft

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// entry is one distinct rule compiled: what nftsync installs for it and
// how it recognises it after a dump. It is computed once and reused by
// every Apply whose desired state holds the rule, so that an Apply that
// changes one rule of 10k translates one rule.
type entry struct {
	fam   rule.Family
	spec  string // iptables-save form (Spec.String()), for plans
	exprs []expr.Any
	sets  []*rule.AnonSet
	elems [][]byte // marshalled expressions as installed
	norms [][]byte // marshalled normal forms
	udata []byte
	// compat is the rule's NFTA_RULE_COMPAT attribute, if it needs one.
	compat attrs
	// body holds the NFTA_RULE_EXPRESSIONS and NFTA_RULE_USERDATA
	// attributes, ready to append to a NEWRULE message; nil when the rule
	// has anonymous sets (their ids differ per batch).
	body attrs
	// used is the compile epoch that last used the entry.
	used uint64
	// counted is set when the rule starts from counters (-c): another
	// entry of the same rule without them (or with others) has the same
	// userdata and meaning (see desired.class).
	counted bool
}

// ruleCache maps rules to their entries: by the *rule.Rule pointer (the
// controller passes the same rules again; a rule is never modified once
// passed to Apply) and by family and iptables-save form (a rule parsed
// again). Entries unused by the latest compile are dropped once they are
// as many as the used ones.
type ruleCache struct {
	byPtr  map[*rule.Rule]*entry
	bySpec map[string]*entry
	epoch  uint64
	live   int // entries used by the latest compile
}

func newRuleCache() *ruleCache {
	return &ruleCache{byPtr: map[*rule.Rule]*entry{}, bySpec: map[string]*entry{}}
}

// begin starts a compile.
func (c *ruleCache) begin() {
	c.epoch++
	c.live = 0
}

// end finishes a compile: stale entries go when they outnumber live ones.
func (c *ruleCache) end() {
	if len(c.bySpec) <= 2*c.live+64 && len(c.byPtr) <= 2*c.live+64 {
		return
	}
	for p, e := range c.byPtr {
		if e.used != c.epoch {
			delete(c.byPtr, p)
		}
	}
	for k, e := range c.bySpec {
		if e.used != c.epoch {
			delete(c.bySpec, k)
		}
	}
}

// use marks an entry as used by the current compile.
func (c *ruleCache) use(e *entry) {
	if e.used != c.epoch {
		e.used = c.epoch
		c.live++
	}
}

// parallelMin is the number of rules below which fill works on one
// goroutine.
const parallelMin = 512

// fill sets the entries of rules not found by pointer: found by their
// iptables-save form, or compiled. Both steps run on all CPUs when there
// are many rules (a cold apply of 10k rules).
func (c *ruleCache) fill(misses []*wantRule) error {
	if len(misses) == 0 {
		return nil
	}
	specs := make([]string, len(misses))
	parallel(len(misses), func(i int) {
		specs[i] = specKey(misses[i].src.Rules[misses[i].idx].Spec)
	})
	var build []*wantRule
	var buildSpecs []string
	pending := map[string]int{}
	for i, w := range misses {
		if w.ent = c.bySpec[specs[i]]; w.ent != nil {
			continue
		}
		if _, dup := pending[specs[i]]; !dup {
			pending[specs[i]] = len(build)
			build = append(build, w)
			buildSpecs = append(buildSpecs, specs[i])
		}
	}
	built := make([]*entry, len(build))
	errs := make([]error, len(build))
	parallelRange(len(build), func(lo, hi int) {
		memo := newExprMemo()
		for i := lo; i < hi; i++ {
			w := build[i]
			r := w.src.Rules[w.idx].Spec
			built[i], errs[i] = newEntry(r, r.String(), memo)
		}
	})
	for i, err := range errs {
		if err != nil {
			w := build[i]
			return &firewall.RuleError{Rule: w.label(), Err: err}
		}
		c.bySpec[buildSpecs[i]] = built[i]
	}
	for i, w := range misses {
		if w.ent == nil {
			w.ent = built[pending[specs[i]]]
		}
		c.byPtr[w.src.Rules[w.idx].Spec] = w.ent
	}
	return nil
}

// specKey is the key of a rule's entry: its family and iptables-save
// form, and the counters it starts from when not zero (they are in its
// counter expression, not in its form).
func specKey(r *rule.Rule) string {
	k := famKey(r.Family, r.String())
	if r.Counters != (rule.Counters{}) {
		k += " " + r.Counters.String()
	}
	return k
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	parallelRange(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}

// parallelRange splits 0..n-1 into up to GOMAXPROCS ranges and runs fn on
// each [lo, hi) on its own goroutine.
func parallelRange(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin+1)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// newEntry translates and marshals one rule, marshalling expressions
// through memo.
func newEntry(r *rule.Rule, spec string, memo *exprMemo) (*entry, error) {
	tr, err := r.TranslateExprs()
	if err != nil {
		return nil, err
	}
	ud, pieces, err := storeRule(r, tr)
	if err != nil {
		return nil, err
	}
	e := &entry{fam: r.Family, spec: spec, udata: ud, sets: tr.Sets, compat: compatAttr(r, tr), counted: r.Counters != (rule.Counters{})}
	exprs := append(tr.Exprs(), pieces...)
	fam := nfproto(r.Family)
	e.elems = make([][]byte, len(exprs))
	e.norms = make([][]byte, len(exprs))
	for i, x := range exprs {
		b, err := memo.marshal(fam, x)
		if err != nil {
			return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
		}
		nb := b
		if n := normalize(x); n != x {
			if nb, err = memo.marshal(fam, n); err != nil {
				return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
			}
		}
		e.elems[i], e.norms[i] = b, nb
	}
	if len(e.sets) > 0 {
		e.exprs = exprs
	} else {
		if e.body, err = ruleBody(e.elems, ud); err != nil {
			return nil, err
		}
		e.body = append(e.body, e.compat...)
		// The expressions live on inside the body: share its memory.
		off := 2 * unix.NLA_HDRLEN
		for i, b := range e.elems {
			shared := e.body[off : off+len(b) : off+len(b)]
			if len(b) > 0 && len(e.norms[i]) > 0 && &e.norms[i][0] == &b[0] {
				e.norms[i] = shared
			}
			e.elems[i] = shared
			off += nlaAlign(len(b)) + unix.NLA_HDRLEN
		}
	}
	return e, nil
}

// ruleBody encodes a rule's expressions and userdata as NEWRULE attributes,
// in one allocation. The expression list is one attribute, whose length
// field has 16 bits: a longer list would wrap it and the kernel would
// install a truncated rule, so it is an error.
func ruleBody(elems [][]byte, ud []byte) (attrs, error) {
	list := 0
	for _, e := range elems {
		list += unix.NLA_HDRLEN + nlaAlign(len(e))
	}
	if unix.NLA_HDRLEN+list > 0xffff {
		return nil, fmt.Errorf("the rule's %d expressions take %d bytes; a netlink attribute holds at most 65535", len(elems), unix.NLA_HDRLEN+list)
	}
	a := make(attrs, 0, unix.NLA_HDRLEN+list+unix.NLA_HDRLEN+nlaAlign(len(ud)))
	a = binary.NativeEndian.AppendUint16(a, uint16(unix.NLA_HDRLEN+list))
	a = binary.NativeEndian.AppendUint16(a, unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED)
	for _, e := range elems {
		a = a.nested(unix.NFTA_LIST_ELEM, e)
	}
	if len(ud) > 0 {
		a = a.bytes(unix.NFTA_RULE_USERDATA, ud)
	}
	return a, nil
}
