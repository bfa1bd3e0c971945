package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/nftsync/nftsync/rule/xt"
)

// MaxCommentLen is the longest comment nft accepts.
const MaxCommentLen = 128

// Stmt is one nftables statement: the text iptables-translate prints and the
// expressions nft builds from the text that keeps iptables' meaning
// (including the dependencies nft adds on its own, such as "meta l4proto tcp"
// before "tcp dport 22").
type Stmt struct {
	// Text is the statement byte for byte as iptables-translate prints it.
	Text string
	// Exact, when set, is the text nft must read to build Exprs, because
	// nft reads Text differently (CONNMARK's "ct mark xor V and M" means
	// ct mark ^ (V & M)) or cannot read it at all. Empty: Text is exact.
	Exact string
	// Warning explains, when Exact or Xt is set, what is wrong with Text.
	Warning string
	// Xt, when set, says that Exprs run an xtables extension through the
	// kernel's nft_compat (package rule/xt), because no native nft
	// statement has Text's meaning: it is the statement as nft lists it
	// ("xt match owner"), which nft cannot read back.
	Xt string
	// Refused, when set, says why nftsync cannot install the statement
	// (an xtables extension the kernel loads only in a table of another
	// name): the translation only prints Text, Translate fails with it.
	Refused error
	// NoStatement, when set, says that nft has no statement at all for
	// the option, and why; it wraps ErrNoNftText. iptables-translate
	// prints no nft text for the rule then, but the command commented out;
	// Text is empty.
	NoStatement error
	Exprs       []expr.Any
}

// AnonSet is an anonymous set a rule looks up (tcp dport { 22, 80 }). Its
// lookup expression names it SetName and refers to it by SetID; the backend
// that installs the rule gives each set its own name and id.
type AnonSet struct {
	SetName  string // placeholder "__set%d", unique within the rule
	SetID    uint32 // index within the rule
	KeyType  nftables.SetDatatype
	Interval bool
	Concat   bool
	Elements []nftables.SetElement
}

// Translation is a rule in nftables form.
type Translation struct {
	Family  Family
	Stmts   []Stmt
	Comment string
	// Commented says the rule has a comment, which may be empty
	// (--comment ""): nft prints and stores an empty one too.
	Commented bool
	Sets      []*AnonSet
	// TextSets are the named sets iptables-translate declares before the
	// rule ("connlimit0 { type ipv4_addr; flags dynamic; }", printed as
	// "add set FAMILY TABLE ..."): text only, the rule as installed needs
	// none (its statement runs an xtables extension instead).
	TextSets []string
}

// Text returns the rule's statements as iptables-translate prints them,
// e.g. `ip saddr 10.4.0.0/16 counter accept comment "x"`.
func (t *Translation) Text() string {
	return t.join(func(s Stmt) string { return s.Text })
}

// join joins the chosen text of each statement and the comment.
func (t *Translation) join(text func(Stmt) string) string {
	parts := make([]string, 0, len(t.Stmts)+1)
	for _, s := range t.Stmts {
		if s := text(s); s != "" {
			parts = append(parts, s)
		}
	}
	if t.Commented || t.Comment != "" {
		// As iptables-translate prints it: between double quotes, not
		// escaped (nft reads a quoted string up to the next quote and
		// unescapes nothing; the parser refuses quotes in comments).
		parts = append(parts, `comment "`+t.Comment+`"`)
	}
	return strings.Join(parts, " ")
}

// NftText is Text with each statement in the form nft reads with iptables'
// meaning (Stmt.Exact where it is set): the text to feed nft when the rule
// must do what the iptables rule does. Exprs are what nft builds from it,
// unless the rule runs an xtables extension (Compat): its statement is
// then printed as nft lists it ("xt match owner"), which nft refuses to
// read, so that the text cannot silently stand for another rule.
func (t *Translation) NftText() string {
	return t.join(func(s Stmt) string {
		switch {
		case s.Xt != "":
			return s.Xt
		case s.Exact != "":
			return s.Exact
		}
		return s.Text
	})
}

// Compat reports whether a statement of the rule runs an xtables
// extension through nft_compat (Stmt.Xt), which no nft text builds.
func (t *Translation) Compat() bool {
	for _, s := range t.Stmts {
		if s.Xt != "" {
			return true
		}
	}
	return false
}

// Warnings returns, for each statement whose iptables-translate text nft
// reads differently or not at all, a sentence naming that text, what nft
// makes of it and the exact text that keeps iptables' meaning.
func (t *Translation) Warnings() []string {
	var out []string
	for _, s := range t.Stmts {
		if s.Warning != "" {
			out = append(out, s.Warning)
		}
	}
	switch {
	case t.NoStatement() != nil:
		// iptables-translate prints the comment as an argument then.
	case len(t.Comment) > MaxCommentLen:
		out = append(out, fmt.Sprintf("iptables-translate prints a comment of %d bytes, which nft refuses (at most %d); nftsync installs the rule with the whole comment", len(t.Comment), MaxCommentLen))
	case !NftComment(t.Comment):
		out = append(out, "iptables-translate prints a comment holding a double quote or a line break, which nft cannot read back; nftsync installs the rule with the whole comment")
	}
	return out
}

// NoStatement returns the Stmt.NoStatement of the rule's first
// statement that has one (it wraps ErrNoNftText), or nil: when set,
// iptables-translate prints no nft text for the rule.
func (t *Translation) NoStatement() error {
	for _, s := range t.Stmts {
		if s.NoStatement != nil {
			return s.NoStatement
		}
	}
	return nil
}

// NftComment reports whether nft can hold s as a rule's comment and print
// it so that nft -f reads it back: at most MaxCommentLen bytes, and no
// double quote or line break (nft prints a comment between double quotes
// without escaping). Otherwise nftsync keeps the comment in the rule's
// spec only, and nft lists the rule without one.
func NftComment(s string) bool {
	return len(s) <= MaxCommentLen && !strings.ContainsAny(s, "\"\n\r")
}

// Exprs returns the expressions of all statements, in order.
func (t *Translation) Exprs() []expr.Any {
	n := 0
	for _, s := range t.Stmts {
		n += len(s.Exprs)
	}
	out := make([]expr.Any, 0, n)
	for _, s := range t.Stmts {
		out = append(out, s.Exprs...)
	}
	return out
}

// UserData returns the rule's userdata: its comment, as nft stores it.
func (t *Translation) UserData() []byte {
	if !t.Commented && t.Comment == "" {
		return nil
	}
	return t.AppendUserData(make([]byte, 0, len(t.Comment)+3))
}

// AppendUserData appends UserData() to dst (nothing when the rule has no
// comment), so that a caller writing more userdata after it allocates
// once.
func (t *Translation) AppendUserData(dst []byte) []byte {
	if !t.Commented && t.Comment == "" {
		return dst
	}
	// What userdata.AppendString(nil, TypeComment, Comment) builds: type,
	// length (with the NUL, cut to a byte as AppendString cuts it), text,
	// NUL.
	dst = append(dst, byte(userdata.TypeComment), byte(len(t.Comment)+1))
	dst = append(dst, t.Comment...)
	return append(dst, 0)
}

// Command returns the full nft command iptables-translate prints for the
// rule in table and chain, e.g. `nft 'add rule ip filter INPUT counter'`.
func (t *Translation) Command(table, chain string, insert bool) string {
	verb := "add"
	if insert {
		verb = "insert"
	}
	body := t.Text()
	cmd := fmt.Sprintf("%s rule %s %s %s", verb, t.Family, table, chain)
	if body != "" {
		cmd += " " + body
	}
	return "nft '" + cmd + "'"
}

// Translate converts the rule into nftables statements. A counter is always
// included, as iptables counts every rule.
func (r *Rule) Translate() (*Translation, error) {
	t, err := r.translate(false, nil)
	if err != nil {
		return nil, err
	}
	for _, s := range t.Stmts {
		if s.Refused != nil {
			return nil, s.Refused
		}
	}
	return t, nil
}

// translateText is Translate for printing only: a statement nftsync
// cannot install (Stmt.Refused) is kept, with a warning, so that the text
// is still iptables-translate's.
func (r *Rule) translateText() (*Translation, error) {
	return r.translate(false, nil)
}

// TranslateExprs is Translate without the statements' texts (Stmt.Text is
// empty; Exact and Warning are kept): for installing a rule, which needs
// only its expressions, sets and comment, without the cost of printing it.
func (r *Rule) TranslateExprs() (*Translation, error) {
	return r.translate(true, nil)
}

// translate is Translate, leaving out the texts when noText is set, in
// blk (a new block when nil).
func (r *Rule) translate(noText bool, blk *xlateBlock) (*Translation, error) {
	x := newXlator(r, noText, blk)
	if err := x.header(); err != nil {
		return nil, err
	}
	for _, m := range r.Matches {
		n := len(x.stmts)
		if err := m.xlate(x); err != nil {
			return nil, fmt.Errorf("translating -m %s: %w", m.Name(), err)
		}
		x.wrapRefused(n, "-m", m)
	}
	cv := &x.blk.cv
	cv.counter = expr.Counter{Packets: r.Counters.Packets, Bytes: r.Counters.Bytes}
	x.add("counter", &cv.counter)
	if r.Target != nil {
		x.spareVerdict = &cv.verdict
		n := len(x.stmts)
		if err := r.Target.xlate(x); err != nil {
			return nil, fmt.Errorf("translating -j %s: %w", r.Target.Name(), err)
		}
		x.wrapRefused(n, "-j", r.Target)
	}
	*x.out = Translation{Family: r.Family, Stmts: x.stmts, Comment: x.comment, Commented: x.commented, Sets: x.sets, TextSets: x.textSets}
	return x.out, nil
}

// xlator accumulates the statements of one rule and tracks what nft's
// protocol context knows, so that dependencies are added exactly where nft
// adds them.
type xlator struct {
	fam   Family
	rule  *Rule
	stmts []Stmt
	sets  []*AnonSet
	// comment is printed last, after the verdict, and stored as userdata.
	comment   string
	commented bool
	// l4 is the transport protocol nft knows the packet has (0: unknown).
	l4 uint8
	// noText leaves the texts of statements empty (TranslateExprs).
	noText bool
	// textSets are the named sets the text declares (Translation.TextSets).
	textSets []string
	// exprs is the slab the statements' expressions are slices of (keep).
	exprs []expr.Any
	// out is the Translation to fill in, allocated with the xlator.
	out *Translation
	// spareVerdict is the verdict allocated with the counter, for the
	// target to take (verdict).
	spareVerdict *expr.Verdict
	// blk is the block the xlator was allocated in, with room for the
	// first expressions (xlate_alloc.go).
	blk *xlateBlock
}

// textSet declares a named set in the text, as iptables-translate does
// for connlimit: its name is prefix and a number, counting from 0 in the
// rule; spec is the set's body.
func (x *xlator) textSet(prefix, spec string) string {
	n := 0
	for _, s := range x.textSets {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	name := fmt.Sprintf("%s%d", prefix, n)
	if !x.noText {
		x.textSets = append(x.textSets, name+" "+spec)
	}
	return name
}

// add appends a statement (without its text when the translation keeps
// none).
func (x *xlator) add(text string, exprs ...expr.Any) {
	if x.noText {
		text = ""
	}
	x.stmts = append(x.stmts, Stmt{Text: text, Exprs: x.keep(exprs)})
}

// addLazy appends a statement whose text is text(), called only when the
// translation keeps texts (and before addLazy returns, so that the closure
// costs no allocation).
func (x *xlator) addLazy(text func() string, exprs ...expr.Any) {
	t := ""
	if !x.noText {
		t = text()
	}
	x.add(t, exprs...)
}

// addExact appends a statement whose iptables-translate text nft reads
// differently (or not at all): exact is what nft reads with iptables'
// meaning, and the expressions are built from it. meaning says what nft
// makes of text ("which nft reads as ...").
func (x *xlator) addExact(text, exact, meaning string, exprs ...expr.Any) {
	w := fmt.Sprintf("iptables-translate prints '%s', %s; '%s' keeps the iptables rule's meaning (nftsync installs that)", text, meaning, exact)
	if x.noText {
		text = ""
	}
	x.stmts = append(x.stmts, Stmt{Text: text, Exact: exact, Warning: w, Exprs: x.keep(exprs)})
}

// addXt appends a statement that runs the xtables extension ext with the
// given info (see package rule/xt), for an iptables option whose
// iptables-translate text (text) has another meaning in nft, as meaning
// says ("which nft reads as ..."). It fails when the kernel would refuse
// the extension in nftsync's tables.
func (x *xlator) addXt(text, meaning string, ext *xt.Ext, info []byte) error {
	if err := ext.Installable(); err != nil {
		refused := unsupportedXt(err, fmt.Sprintf("(iptables-translate's '%s' %s)", text, strings.TrimPrefix(meaning, "which ")))
		if x.noText {
			return refused
		}
		x.stmts = append(x.stmts, Stmt{Text: text, Refused: refused,
			Warning: fmt.Sprintf("nftsync cannot install this rule: %v", refused)})
		return nil
	}
	e, err := ext.Expr(info)
	if err != nil {
		return err
	}
	x.protoFirst()
	w := fmt.Sprintf("iptables-translate prints '%s', %s; nftsync installs the xtables extension itself ('%s', revision %d), which keeps the iptables rule's meaning", text, meaning, ext, ext.Rev)
	if x.noText {
		text = ""
	}
	x.stmts = append(x.stmts, Stmt{Text: text, Warning: w, Xt: ext.String(), Exprs: x.keep([]expr.Any{e})})
	return nil
}

// unsupportedXt is unsupported for the error of xt.Ext.Installable,
// which it wraps too (xt.ErrTableBound: the nftables engine places such a
// rule in iptables' own table).
func unsupportedXt(err error, why string) error {
	return fmt.Errorf("%w %s: %w", err, why, ErrUnsupported)
}

// protoFirst appends, without text, the rule's -p test when the header left
// it to a match named like the protocol (protoImplied) and no statement has
// tested it yet. An xtables extension runs on every packet that reaches it
// (nft_compat checks the protocol only when the rule is added), and some
// drop a packet they cannot parse as theirs (xt_tcpmss, xt_tcp: "hotdrop"):
// iptables tests -p before any match, so no packet of another protocol
// ever reaches them. The text stays iptables-translate's, which leaves the
// protocol to nft's own dependency.
func (x *xlator) protoFirst() {
	p := x.rule.Proto
	if !p.Set || p.Invert || x.l4 == p.Num || !x.protoImplied() {
		return
	}
	n := len(x.stmts)
	x.addProto(p)
	for i := n; i < len(x.stmts); i++ {
		x.stmts[i].Text = ""
	}
}

// wrapRefused names the extension in the refusal (and the NoStatement)
// of the statements it appended from index n on, as translate names it in
// its errors.
func (x *xlator) wrapRefused(n int, flag string, ext extension) {
	for i := n; i < len(x.stmts); i++ {
		s := &x.stmts[i]
		if s.Refused != nil {
			s.Refused = fmt.Errorf("translating %s %s: %w", flag, ext.Name(), s.Refused)
		}
		if s.NoStatement != nil {
			s.NoStatement = fmt.Errorf("translating %s %s: %w", flag, ext.Name(), s.NoStatement)
		}
	}
}

// addNoStatement appends the statement of an option nft has no statement
// for at all (err wraps ErrNoNftText and says why): the rule has no text,
// iptables-translate prints the command commented out, and nftsync
// installs the xtables extension ext (with info) only. Such an extension
// (a NAT target) loads only in a table named nat: the statement is
// Refused, with a warning naming the placement that runs the rule.
// Without texts (TranslateExprs), or for an extension nftsync could
// install itself, it is addXtOnly's statement.
func (x *xlator) addNoStatement(err error, ext *xt.Ext, info []byte) error {
	why := strings.TrimSuffix(err.Error(), ": "+ErrNoNftText.Error())
	bound := ext.Installable()
	if x.noText || bound == nil {
		return x.addXtOnly(why, ext, info)
	}
	tables := ext.Tables()
	w := fmt.Sprintf("iptables-translate prints the command commented out (%s); nftsync installs such a rule only as the xtables %s %s, which the kernel loads only in a table named %s, so it runs only with placement of %s (automatic, or asked for)",
		why, ext.Name, ext.Kind, strings.Join(tables, " or "), tables[0])
	x.stmts = append(x.stmts, Stmt{NoStatement: err, Refused: unsupportedXt(bound, "("+why+")"), Warning: w})
	return nil
}

// addXtOnly appends a statement that runs the xtables extension ext for
// an option iptables-translate cannot translate at all (why says what nft
// lacks); its text is the statement as nft lists it.
func (x *xlator) addXtOnly(why string, ext *xt.Ext, info []byte) error {
	if err := ext.Installable(); err != nil {
		return unsupportedXt(err, "("+why+")")
	}
	e, err := ext.Expr(info)
	if err != nil {
		return err
	}
	x.protoFirst()
	w := fmt.Sprintf("iptables-translate cannot translate this rule (%s); nftsync installs the xtables extension itself ('%s', revision %d), printed as nft lists it", why, ext, ext.Rev)
	text := ext.String()
	if x.noText {
		text = ""
	}
	x.stmts = append(x.stmts, Stmt{Text: text, Warning: w, Xt: ext.String(), Exprs: x.keep([]expr.Any{e})})
	return nil
}

// needL4 returns the dependency nft inserts before a transport header
// match (meta l4proto P) unless the protocol is already known, and records
// that it is now known.
func (x *xlator) needL4(proto uint8) []expr.Any {
	return x.appendL4(nil, proto)
}

// appendL4 is needL4 appending to dst.
func (x *xlator) appendL4(dst []expr.Any, proto uint8) []expr.Any {
	if x.l4 == proto {
		return dst
	}
	x.l4 = proto
	m, c := x.metaCmp(expr.MetaKeyL4PROTO, false, []byte{proto})
	return append(dst, m, c)
}

// addSet registers an anonymous set and returns the lookup that uses it.
func (x *xlator) addSet(s *AnonSet, invert bool) *expr.Lookup {
	s.SetID = uint32(len(x.sets))
	s.SetName = "__set" + strconv.Itoa(int(s.SetID))
	x.sets = append(x.sets, s)
	return &expr.Lookup{SourceRegister: 1, SetName: s.SetName, SetID: s.SetID, Invert: invert}
}

// cmpOp returns the comparison for an optionally inverted match.
func cmpOp(invert bool) expr.CmpOp {
	if invert {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

// neq returns "!= " for an inverted match, as nft prints it.
func neq(invert bool) string {
	if invert {
		return "!= "
	}
	return ""
}

// payload loads len bytes at off from the given header into register 1.
func payload(base expr.PayloadBase, off, n uint32) *expr.Payload {
	return &expr.Payload{DestRegister: 1, Base: base, Offset: off, Len: n}
}

// cmp compares register 1 with data.
func cmp(invert bool, data []byte) *expr.Cmp {
	return &expr.Cmp{Op: cmpOp(invert), Register: 1, Data: data}
}

// meta loads a meta key into register 1.
func meta(key expr.MetaKey) *expr.Meta {
	return &expr.Meta{Key: key, Register: 1}
}

// be16 encodes a port or other 16-bit field in network byte order.
func be16(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }

// rangeExpr matches register 1 against an inclusive range.
func rangeExpr(invert bool, lo, hi []byte) *expr.Range {
	return &expr.Range{Op: cmpOp(invert), Register: 1, FromData: lo, ToData: hi}
}
