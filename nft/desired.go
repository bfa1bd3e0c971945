package nft

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// wantRule is a desired rule compiled to what nftsync installs.
type wantRule struct {
	src   *firewall.Chain // the rule is src.Rules[idx]
	idx   int
	fam   rule.Family
	exprs []expr.Any
	elems [][]byte // marshalled expressions as built
	norms [][]byte // marshalled normal forms
	udata []byte
	sets  []*rule.AnonSet
	key   string // identity: userdata and normal forms
}

// wantChain is a desired chain in its owned table.
type wantChain struct {
	name   string
	base   *baseSpec
	policy uint32
	rules  []*wantRule
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
	tables []*wantTable
	byID   map[tableID]*wantTable
	// byUdata finds the desired rule a dumped rule claims to be, so that
	// its expressions are compared without decoding when they are equal.
	byUdata map[string]*wantRule
	rules   int
}

// fingerprint hashes everything of a Ruleset that compile reads, so that
// an unchanged desired state is recognised without translating it.
func fingerprint(rs *firewall.Ruleset) [32]byte {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, c := range rs.Chains {
		str(fmt.Sprintf("%d %s %s %s %d", c.Family, c.Table, c.Name, c.Policy, len(c.Rules)))
		for _, r := range c.Rules {
			str(r.Label)
			if r.Spec != nil {
				str(r.Spec.String())
			}
		}
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// compile translates a Ruleset into the owned layout of owner. It checks
// what it must to build messages, not what the kernel checks anyway (a
// jump to a missing chain is the kernel's to refuse).
func compile(owner string, rs *firewall.Ruleset) (*desired, error) {
	d := &desired{byID: map[tableID]*wantTable{}, byUdata: map[string]*wantRule{}}
	if rs == nil {
		return d, nil
	}
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
		for i, r := range c.Rules {
			wr, err := compileRule(c, i, r)
			if err != nil {
				return nil, err
			}
			wc.rules = append(wc.rules, wr)
			if _, dup := d.byUdata[wr.udKey()]; !dup {
				d.byUdata[wr.udKey()] = wr
			}
			d.rules++
		}
	}
	return d, nil
}

// compileRule translates one rule and computes its identity.
func compileRule(c *firewall.Chain, i int, r firewall.Rule) (*wantRule, error) {
	if r.Spec == nil {
		return nil, fmt.Errorf("chain %s %s: rule %d has no spec", c.Table, c.Name, i)
	}
	label := func() string { return c.Label(i) }
	if r.Spec.Family != c.Family {
		return nil, &firewall.RuleError{Rule: label(), Err: fmt.Errorf("rule is for %s, chain for %s", r.Spec.Family, c.Family)}
	}
	tr, err := r.Spec.Translate()
	if err != nil {
		return nil, &firewall.RuleError{Rule: label(), Err: err}
	}
	ud, err := ruleUserData(r.Spec, tr)
	if err != nil {
		return nil, &firewall.RuleError{Rule: label(), Err: err}
	}
	wr := &wantRule{src: c, idx: i, fam: c.Family, exprs: tr.Exprs(), udata: ud, sets: tr.Sets}
	fam := nfproto(c.Family)
	var key strings.Builder
	key.Write(ud)
	for _, e := range wr.exprs {
		b, err := expr.Marshal(fam, e)
		if err != nil {
			return nil, &firewall.RuleError{Rule: label(), Err: fmt.Errorf("marshalling expression %T: %w", e, err)}
		}
		nb := b
		if n := normalize(e); n != e {
			if nb, err = expr.Marshal(fam, n); err != nil {
				return nil, &firewall.RuleError{Rule: label(), Err: fmt.Errorf("marshalling expression %T: %w", e, err)}
			}
		}
		wr.elems = append(wr.elems, b)
		wr.norms = append(wr.norms, nb)
	}
	wr.key = ruleKey(ud, wr.norms)
	return wr, nil
}

// label names the rule in errors.
func (w *wantRule) label() string { return w.src.Label(w.idx) }

// spec is the rule in iptables-save form, for plans.
func (w *wantRule) spec() string { return w.src.Rules[w.idx].Spec.String() }

// udKey indexes a rule by family and userdata.
func (w *wantRule) udKey() string { return udKey(w.fam, w.udata) }

func udKey(fam rule.Family, ud []byte) string { return string(rune('0'+fam)) + string(ud) }

// ruleKey is the identity of a rule: its userdata and the normal forms of
// its expressions, length-prefixed so that no two lists collide.
func ruleKey(ud []byte, norms [][]byte) string {
	n := len(ud) + 4
	for _, b := range norms {
		n += len(b) + 4
	}
	out := make([]byte, 0, n)
	out = binary.BigEndian.AppendUint32(out, uint32(len(ud)))
	out = append(out, ud...)
	for _, b := range norms {
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return string(out)
}

// exprList encodes a rule's expressions as NFTA_RULE_EXPRESSIONS content.
func exprList(elems [][]byte) attrs {
	var a attrs
	for _, e := range elems {
		a = a.nested(unix.NFTA_LIST_ELEM, e)
	}
	return a
}
