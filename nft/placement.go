package nft

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// Placement: the chains of chosen iptables tables are kept inside
// iptables-nft's own nftables tables (ip filter, ip6 filter, ip nat, ...)
// instead of the owner's OWNER-TABLE tables. An accept there is final
// where iptables' own FORWARD drops (Docker's policy DROP), and xtables
// extensions that the kernel loads only in a table named "mangle" or
// "nat" can run.
//
// What is the owner's there, and nothing else, is changed:
//
//   - a rule is the owner's when its userdata carries the spec TLV (type
//     8, as in the owner's own tables, or compressed when too long:
//     placement_zspec.go) and an owner TLV (udPlacedOwner) naming the
//     owner. iptables-nft-save ignores both (it reads type 0, the comment,
//     only), so the table stays readable by iptables.
//   - in a built-in chain a fresh Apply puts the owner's prepended rules
//     (firewall.Chain.Head) at the head, in desired order, before every
//     foreign rule, and the others after every foreign rule, as iptables
//     -I and -A leave them (placedHead). Foreign rules are never touched, and
//     one inserted above the owner's later is tolerated, not fought over,
//     as the iptables engine does: the owner's rules keep their places,
//     new ones go next to them (placedPlanner.rules).
//   - a user chain the desired ruleset declares is the owner's whole, as
//     with the iptables engine: rules in it that are not desired are
//     deleted, whoever wrote them. One that existed before carries no
//     owner mark (the kernel does not update a chain's userdata), so once
//     no longer declared it is left as it is.
//   - a table or chain the owner had to create carries the owner TLV in its
//     userdata; CleanUp (or a ruleset no longer declaring it) deletes it
//     once nothing of others is left in it: no foreign rule or chain, the
//     policy accept it was created with, no foreign jump to it (the
//     kernel's use count). A built-in chain is created as iptables-nft
//     creates it: same hook, type, priority, policy accept.
//   - policies are iptables' (Docker's, the administrator's): placement
//     never changes one. A desired built-in chain with policy DROP is
//     refused; "" and ACCEPT mean "leave it as it is", and Read reports
//     placed built-in chains with no policy.
//
// The owner's placed rules are encoded as iptables-nft writes them (see
// placedExprs); a rule with a match or target nftsync has no such
// encoding for is refused before anything changes, and so is an
// extension whose kernel code loads only in a table of another name.
//
// Which tables are placed: those of WithPlacement, in both families, and,
// unless WithAutoPlacement(false), each (family, table) one of whose
// desired rules needs it (placement_auto.go).
//
// Whenever Apply plans, the placed tables, and those in which the owner
// had something placed as of its last commit, are read (readPlaced): one
// table dump, a chain dump per table and a rule dump per chain the owner
// can have rules in, so that large foreign chains are never read. The
// generation check of a no-op Apply covers every table of the host, so a
// no-op stays one GETGEN; only which tables hold something of the owner's
// is kept in memory, not their content.

// udPlacedOwner is the userdata TLV naming the owner of a placed rule, or
// of a table or chain the owner created in iptables' tables.
const udPlacedOwner = 0x9

// WithPlacement keeps the chains of the given iptables tables ("filter",
// "nat", "mangle", "raw", "security"), in both families, inside
// iptables-nft's own tables instead of the owner's tables (see the package
// documentation, "Placement"). Typical: WithPlacement("filter"), so that
// accepts in FORWARD are final on a host whose iptables FORWARD policy is
// DROP. The tables must be iptables-nft's: on a host whose iptables uses
// the legacy tables, use the iptables engine (package compat) instead.
func WithPlacement(tables ...string) Option {
	return func(b *Backend) {
		if b.placed == nil {
			b.placed = map[string]bool{}
		}
		for _, t := range tables {
			b.placed[t] = true
		}
	}
}

// checkPlacement validates the placed table names.
func (b *Backend) checkPlacement() error {
	for t := range b.placed {
		if err := rule.CheckTable(t); err != nil {
			return fmt.Errorf("placement: %w", err)
		}
	}
	return nil
}

// splitPlaced returns the chains of rs that stay in the owner's tables (rs
// itself when nothing is placed) and the placed ones.
func splitPlaced(rs *firewall.Ruleset, isPlaced placedFn) (*firewall.Ruleset, []*firewall.Chain) {
	if rs == nil {
		return rs, nil
	}
	own := &firewall.Ruleset{}
	var placed []*firewall.Chain
	for _, c := range rs.Chains {
		if isPlaced(tableID{c.Family, c.Table}) {
			placed = append(placed, c)
		} else {
			own.Chains = append(own.Chains, c)
		}
	}
	if len(placed) == 0 {
		return rs, nil
	}
	return own, placed
}

// placedWant is the compiled desired state of the placed tables.
type placedWant struct {
	tables map[tableID]*wantTable
	// rank is each (family, table)'s place in the desired ruleset's
	// order of tables, the owner's and the placed ones (tableRanks).
	rank map[tableID]int
	// heads says how many rules of each chain, from the first, are
	// prepended (the others are appended after foreign rules).
	heads map[*wantChain]int
}

// declares reports whether pw (nil: nothing) declares a chain.
func (pw *placedWant) declares(id tableID, chain string) bool {
	if pw == nil {
		return false
	}
	t := pw.tables[id]
	return t != nil && t.byName[chain] != nil
}

// placedHead is how many of a placed chain's rules go ahead of foreign
// rules: those the Ruleset says were prepended (firewall.Chain.Head,
// Kilo's AddToPrepend). The rest go after foreign rules, where iptables -A
// (and iptables-restore --noflush) puts them: a Docker host's DOCKER-USER
// jump, an administrator's rules, stay ahead of them as with iptables.
func placedHead(c *firewall.Chain) int { return c.Head }

// compilePlaced compiles the placed chains: each rule in iptables-nft's
// encoding with the owner's userdata. cache maps the rules of the last
// compile to their entries (rules are never modified once passed to
// Apply); it is replaced by the rules of this one. why says, for a refusal,
// why a table is placed ("" when WithPlacement asked for it).
func compilePlaced(owner string, chains []*firewall.Chain, cache *map[*rule.Rule]*entry, headOf func(*firewall.Chain) int, why func(tableID) string) (*placedWant, error) {
	pw := &placedWant{tables: map[tableID]*wantTable{}, heads: map[*wantChain]int{}}
	old := *cache
	next := make(map[*rule.Rule]*entry, len(old))
	for _, c := range chains {
		if c.Family != rule.IPv4 && c.Family != rule.IPv6 {
			return nil, fmt.Errorf("chain %s %s: unknown family %d", c.Table, c.Name, c.Family)
		}
		id := tableID{c.Family, c.Table}
		t := pw.tables[id]
		if t == nil {
			t = &wantTable{id: id, name: c.Table, byName: map[string]*wantChain{}}
			pw.tables[id] = t
		}
		if t.byName[c.Name] != nil {
			return nil, fmt.Errorf("chain %s %s declared twice (%s)", c.Table, c.Name, c.Family)
		}
		if c.Name == "" || len(c.Name) > 255 || strings.ContainsRune(c.Name, 0) {
			return nil, fmt.Errorf("chain %s %q: invalid name", c.Table, c.Name)
		}
		wc := &wantChain{name: c.Name, base: base(c.Table, c.Name), policy: nfAccept}
		switch {
		case wc.base == nil && c.Policy != "":
			return nil, fmt.Errorf("chain %s %s: only built-in chains have a policy", c.Table, c.Name)
		case c.Policy != "" && c.Policy != "ACCEPT":
			if w := why(id); w != "" {
				return nil, fmt.Errorf("chain %s %s: policy %s: rules placed in iptables' own tables never change iptables' policies, and table %s is placed there%s (set the policy with iptables -P)", c.Table, c.Name, c.Policy, c.Table, w)
			}
			return nil, fmt.Errorf("chain %s %s: policy %s: rules placed in iptables' own tables never change iptables' policies (set it with iptables -P, or do not place table %s)", c.Table, c.Name, c.Policy, c.Table)
		}
		t.byName[c.Name] = wc
		t.chains = append(t.chains, wc)
		pw.heads[wc] = headOf(c)
		for i, r := range c.Rules {
			if r.Spec == nil {
				return nil, fmt.Errorf("chain %s %s: rule %d has no spec", c.Table, c.Name, i)
			}
			if r.Spec.Family != c.Family {
				return nil, &firewall.RuleError{Rule: c.Label(i), Err: fmt.Errorf("rule is for %s, chain for %s", r.Spec.Family, c.Family)}
			}
			e := old[r.Spec]
			if e == nil {
				var err error
				if e, err = newPlacedEntry(owner, c.Table, r.Spec); err != nil {
					return nil, &firewall.RuleError{Rule: c.Label(i), Err: fmt.Errorf("placing in iptables' table %s%s: %w", c.Table, why(id), err)}
				}
			}
			next[r.Spec] = e
			wc.rules = append(wc.rules, &wantRule{src: c, idx: i, ent: e, flow: e.flow})
		}
	}
	*cache = next
	return pw, nil
}

// newPlacedEntry encodes one placed rule.
func newPlacedEntry(owner, table string, r *rule.Rule) (*entry, error) {
	exprs, err := placedExprs(r, table)
	if err != nil {
		return nil, err
	}
	spec := r.String()
	ud, err := placedUserData(owner, r)
	if err != nil {
		return nil, err
	}
	fam := nfproto(r.Family)
	e := &entry{fam: r.Family, spec: spec}
	elems := make([][]byte, len(exprs))
	for i, x := range exprs {
		if elems[i], err = rule.MarshalExpr(fam, x); err != nil {
			return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
		}
		if n := normalize(x); n != x {
			nb, err := rule.MarshalExpr(fam, n)
			if err != nil {
				return nil, fmt.Errorf("marshalling expression %T: %w", x, err)
			}
			if !bytes.Equal(nb, elems[i]) {
				e.norms = append(e.norms, normElem{i, nb})
			}
		}
	}
	if err := e.setBody(elems, ud, placedCompat(r)); err != nil {
		return nil, err
	}
	return e, nil
}

// placedUserData is a placed rule's userdata: the rule in iptables-save
// form without its first -m comment match, in spec TLVs, with the
// comment's position (as in the owner's own tables), then the owner TLV;
// the spec compressed (placement_zspec.go) when it does not fit as text.
// There is no comment TLV: iptables-nft-save would print it as a second
// -m comment. The comment's text is read back from the rule's xt comment
// match instead (placedRule), so a comment of up to 255 bytes fits.
func placedUserData(owner string, r *rule.Rule) ([]byte, error) {
	stripped := *r
	stripped.Matches = nil
	pos := byte(noComment)
	for i, m := range r.Matches {
		if _, ok := m.(*rule.Comment); ok && pos == noComment {
			pos = byte(i)
			continue
		}
		stripped.Matches = append(stripped.Matches, m)
	}
	if len(r.Matches) >= noComment {
		return nil, fmt.Errorf("rule has %d matches; nftsync stores at most %d", len(r.Matches), noComment-1)
	}
	payload := append([]byte{udSpecVersion, pos}, stripped.String()...)
	ud := append(appendChunked(nil, udSpec, payload), ownerMark(owner)...)
	if len(ud) <= maxUserData {
		return ud, nil
	}
	// Too long as text: compressed (placement_zspec.go).
	z, err := deflateSpec(payload)
	if err != nil {
		return nil, fmt.Errorf("compressing the rule's spec: %w", err)
	}
	zud := append(appendChunked(nil, udSpecZ, z), ownerMark(owner)...)
	if len(zud) > maxUserData {
		return nil, fmt.Errorf("rule and owner need %d bytes of userdata, %d compressed; the kernel stores at most %d", len(ud), len(zud), maxUserData)
	}
	return zud, nil
}

// placedRule recovers a placed rule of the owner from its userdata and,
// for its comment, its xt comment match.
func placedRule(fam rule.Family, hr *haveRule) (*rule.Rule, error) {
	udata, err := inflateSpecs(hr.udata)
	if err != nil {
		return nil, err
	}
	for _, el := range hr.elems {
		x, err := decodeElem(nfproto(fam), el)
		if err != nil {
			continue
		}
		// The dump keeps xt info raw (decodeXt), whatever type
		// google/nftables would decode it into.
		kind, name, _, info, ok := xt.Info(x)
		if !ok || kind != xt.Match || name != xt.CommentMatch.Name {
			continue
		}
		if c, err := xt.DecodeComment(info); err == nil {
			// The comment TLV the spec expects, put in front.
			ud := append([]byte{udComment, byte(len(c.Text))}, c.Text...)
			return parseUserData(fam, append(ud, udata...))
		}
	}
	return parseUserData(fam, udata)
}

// ownerMark is the owner TLV.
func ownerMark(owner string) []byte {
	return append([]byte{udPlacedOwner, byte(len(owner))}, owner...)
}

// markedBy reports whether userdata holds the owner TLV naming owner.
func markedBy(ud []byte, owner string) bool {
	for len(ud) >= 2 && int(ud[1]) <= len(ud)-2 {
		if ud[0] == udPlacedOwner && string(ud[2:2+int(ud[1])]) == owner {
			return true
		}
		ud = ud[2+int(ud[1]):]
	}
	return false
}

// addPlaced reads the placed tables and adds the changes that take them
// to pw (nil: nothing placed) to the owner's plan: what makes a placed
// table's chains and rules goes where iptables-restore would run that
// table among the owner's (insertPlaced), and the chain and table
// deletions go last, after the owner's jumps to them are gone. It returns
// the (family, table)s in which the owner has something once the plan is
// committed.
func (b *Backend) addPlaced(pw *placedWant, pl *plan) (map[tableID]bool, error) {
	ids, discover := b.placedRead(pw)
	if len(ids) == 0 {
		return map[tableID]bool{}, nil
	}
	ph, err := b.readPlaced(pw, ids, false)
	if err != nil {
		b.dropConn()
		return nil, fmt.Errorf("reading iptables' tables: %w", err)
	}
	if discover {
		b.setPrevPlaced(ph.ownedIn(b.owner))
	}
	chunks, removes, changes, left, err := planPlaced(b.owner, pw, ph)
	if err != nil {
		return nil, err
	}
	pl.insertPlaced(chunks, pw.rankOf)
	pl.batch.appendBatch(removes)
	pl.changes = append(pl.changes, changes...)
	return left, nil
}
