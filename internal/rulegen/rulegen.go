// Package rulegen generates random iptables rules over the whole extension
// grammar of iptables 1.8.9, for property tests: every match and target the
// iptables binary offers, with negations, edge values (0, maxima, ranges,
// masks), IPv4 and IPv6, each rule placed in a table and chain its
// extensions allow.
//
// It knows nothing about nftsync: it writes what a user could write, and the
// tests keep only what iptables-legacy-restore accepts. The grammar is one
// table per kind (matches.go, targets.go); each entry has a weight, the
// families, protocols, tables and hooks it allows, and a function that
// draws its options.
package rulegen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Rule is one generated rule.
type Rule struct {
	V6    bool
	Table string
	Chain string
	// Args are the rule's arguments after "-A CHAIN", unquoted.
	Args []string
	// Exts names the extensions the rule uses: "m:NAME" for a match,
	// "j:NAME" for a target, "h:OPT" for a header option such as -f or -c.
	Exts []string
}

// UserChain is the user-defined chain every table has; rules in built-in
// chains may jump or go to it.
const UserChain = "PT-USER"

// Line returns the rule as an iptables-restore line, "-A CHAIN ARGS", with
// arguments quoted where iptables-restore would split them.
func (r Rule) Line() string {
	parts := []string{"-A", r.Chain}
	for _, a := range r.Args {
		parts = append(parts, Quote(a))
	}
	return strings.Join(parts, " ")
}

func (r Rule) String() string {
	fam := "-4"
	if r.V6 {
		fam = "-6"
	}
	return fmt.Sprintf("%s -t %s %s", fam, r.Table, r.Line())
}

// Quote quotes an argument for iptables-restore when it is empty or holds
// white space, quotes or backslashes.
func Quote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\"'\\") {
		return a
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`
}

// Chains are the built-in chains of each table.
var Chains = map[string][]string{
	"filter":   {"INPUT", "FORWARD", "OUTPUT"},
	"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
	"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	"raw":      {"PREROUTING", "OUTPUT"},
	"security": {"INPUT", "FORWARD", "OUTPUT"},
}

// Tables lists the tables in the order restore files write them.
var Tables = []string{"raw", "mangle", "nat", "filter", "security"}

// fam says which families an extension exists in.
type fam uint8

const (
	both fam = iota
	v4
	v6
)

func (f fam) has(isV6 bool) bool { return f == both || (f == v6) == isV6 }

// ext is one match or target of the grammar.
type ext struct {
	name   string
	weight int
	fam    fam
	// protos: the rule must have one of these -p protocols (the generator
	// adds -p when the rule has none yet); nil means any.
	protos []string
	// tables and hooks restrict where the extension may stand; nil means
	// anywhere. A restricted extension never goes in the user chain.
	tables []string
	hooks  []string
	// requires is a match the extension cannot do without, put first
	// (TCPMSS needs -m tcp --tcp-flags SYN,RST SYN).
	requires []string
	args     func(g *Gen) []string
}

// allows says whether e may stand in table/chain of the rule being drawn.
func (e *ext) allows(g *Gen) bool {
	if !e.fam.has(g.v6) {
		return false
	}
	if e.tables != nil && !slices.Contains(e.tables, g.table) {
		return false
	}
	if e.hooks != nil && !slices.Contains(e.hooks, g.chain) {
		return false
	}
	if e.protos != nil && g.proto != "" && !slices.Contains(e.protos, g.proto) {
		return false
	}
	return true
}

// Gen draws rules from one seed.
type Gen struct {
	rng *rand.Rand

	// the rule being drawn
	v6           bool
	table, chain string
	proto        string // "" until a -p is chosen
	exts         []string

	// counting restricts the generator to rules without a target, made of
	// the matches in only, in the chains of places (see NewCounting).
	counting bool
	only     []string
	places   [][2]string
}

// New returns a generator; the same seed gives the same rules.
func New(seed uint64) *Gen {
	return &Gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// NewCounting returns a generator of rules for packet tests: no target
// (the rule only counts, so every rule sees every packet), only the named
// matches, one of places ({table, chain}) each, and no -c or address
// lists (they change how many rules iptables makes of one).
func NewCounting(seed uint64, places [][2]string, matchNames ...string) *Gen {
	g := New(seed)
	g.counting, g.only, g.places = true, matchNames, places
	return g
}

// Rules draws n rules.
func (g *Gen) Rules(n int) []Rule {
	out := make([]Rule, n)
	for i := range out {
		out[i] = g.Rule()
	}
	return out
}

// Rule draws one rule: a family, a target and a place it allows, then
// matches that fit that place, then the header options.
func (g *Gen) Rule() Rule {
	g.v6 = g.chance(0.4)
	g.proto = ""
	g.exts = nil
	t := g.pickExt(targets, func(e *ext) bool { return e.fam.has(g.v6) && (!g.counting || e.name == "") })
	if g.counting {
		p := g.places[g.intn(len(g.places))]
		g.table, g.chain = p[0], p[1]
	} else {
		g.place(t)
	}
	if t.protos != nil {
		g.setProto(t.protos)
	}

	var matchArgs []string
	if t.requires != nil {
		g.exts = append(g.exts, "m:"+t.requires[1])
		matchArgs = append(matchArgs, t.requires...)
	}
	nm := g.weighted([]int{25, 40, 22, 10, 3})
	for i := 0; i < nm; i++ {
		m := g.pickExt(matches, func(e *ext) bool {
			return e.allows(g) && !slices.Contains(g.exts, "m:"+e.name) && (g.only == nil || slices.Contains(g.only, e.name))
		})
		if m == nil {
			break
		}
		if m.protos != nil && g.proto == "" {
			g.setProto(m.protos)
		}
		g.exts = append(g.exts, "m:"+m.name)
		matchArgs = append(append(matchArgs, "-m", m.name), m.args(g)...)
	}

	args := g.header()
	args = append(args, matchArgs...)
	if t.name != "" {
		jump := "-j"
		name := t.name
		switch t.name {
		case "standard":
			name = g.pick("ACCEPT", "DROP", "RETURN")
			if g.table == "nat" { // iptables refuses DROP there
				name = g.pick("ACCEPT", "RETURN")
			}
		case "user":
			name = UserChain
			if g.chance(0.3) {
				jump = "-g"
			}
		}
		g.exts = append(g.exts, "j:"+t.name)
		args = append(append(args, jump, name), t.args(g)...)
	}
	return Rule{V6: g.v6, Table: g.table, Chain: g.chain, Args: args, Exts: g.exts}
}

// place picks the table and chain for target t.
func (g *Gen) place(t *ext) {
	tables := t.tables
	if tables == nil {
		tables = Tables
	}
	g.table = g.pick(tables...)
	var chains []string
	for _, c := range Chains[g.table] {
		if t.hooks == nil || slices.Contains(t.hooks, c) {
			chains = append(chains, c)
		}
	}
	// A jump to the user chain stays in a built-in chain (no loops).
	if t.hooks == nil && t.name != "user" && g.chance(0.12) {
		g.chain = UserChain
		return
	}
	if len(chains) == 0 {
		// a target whose hooks miss this table's chains: take the first
		// table that has one (the tables list guarantees one exists)
		for _, tb := range tables {
			for _, c := range Chains[tb] {
				if slices.Contains(t.hooks, c) {
					g.table, g.chain = tb, c
					return
				}
			}
		}
		panic("rulegen: target " + t.name + " has no place")
	}
	g.chain = g.pick(chains...)
}

// setProto chooses one of ps as the rule's protocol.
func (g *Gen) setProto(ps []string) {
	g.proto = g.pick(ps...)
}

// header draws -p, -s, -d, -i, -o, -f and -c.
func (g *Gen) header() []string {
	var out []string
	if g.proto == "" && g.chance(0.35) {
		g.proto = g.pick(g.protoPool()...)
		if g.chance(0.08) {
			out = append(out, "!", "-p", g.proto)
			g.exts = append(g.exts, "h:!-p")
			g.proto = "!" + g.proto
			return append(out, g.addrIfaceFrag()...)
		}
	}
	if g.proto != "" {
		p := g.proto
		if g.chance(0.1) {
			p = protoNumbers[p] // same protocol, by number
			if p == "" {
				p = g.proto
			}
		}
		out = append(out, "-p", p)
	}
	return append(out, g.addrIfaceFrag()...)
}

func (g *Gen) addrIfaceFrag() []string {
	var out []string
	for _, o := range []struct {
		opt string
		p   float64
	}{{"-s", 0.35}, {"-d", 0.3}} {
		if g.chance(o.p) {
			a := g.addrList()
			if !strings.Contains(a, ",") { // iptables refuses ! with a list
				out = append(out, g.not(0.15)...)
			}
			out = append(out, o.opt, a)
		}
	}
	in := g.chain != "OUTPUT" && g.chain != "POSTROUTING"
	outOK := g.chain != "PREROUTING" && g.chain != "INPUT"
	if g.chain == UserChain {
		in, outOK = false, false
	}
	if in && g.chance(0.25) {
		out = append(append(out, g.not(0.15)...), "-i", g.iface())
	}
	if outOK && g.chance(0.2) {
		out = append(append(out, g.not(0.15)...), "-o", g.iface())
	}
	if !g.v6 && g.chance(0.04) {
		out = append(append(out, g.not(0.5)...), "-f")
		g.exts = append(g.exts, "h:-f")
	}
	if !g.counting && g.chance(0.03) {
		out = append(out, "-c", g.pick("0", "1", "4294967295", "18446744073709551615"), g.pick("0", "60", "123456789"))
		g.exts = append(g.exts, "h:-c")
	}
	return out
}

// addrList is an address, sometimes a comma-separated list (iptables makes
// one rule per address).
func (g *Gen) addrList() string {
	if !g.counting && g.chance(0.06) {
		g.exts = append(g.exts, "h:addr-list")
		return g.addr() + "," + g.addr()
	}
	return g.addr()
}

// --- drawing helpers ---

func (g *Gen) chance(p float64) bool { return g.rng.Float64() < p }
func (g *Gen) intn(n int) int        { return g.rng.IntN(n) }

func (g *Gen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

// not returns "!" with probability p.
func (g *Gen) not(p float64) []string {
	if g.chance(p) {
		return []string{"!"}
	}
	return nil
}

// weighted returns an index drawn with the given weights.
func (g *Gen) weighted(ws []int) int {
	total := 0
	for _, w := range ws {
		total += w
	}
	n := g.rng.IntN(total)
	for i, w := range ws {
		if n < w {
			return i
		}
		n -= w
	}
	return len(ws) - 1
}

// pickExt draws from the extensions ok accepts, by weight; nil if none.
func (g *Gen) pickExt(es []ext, ok func(*ext) bool) *ext {
	var cands []*ext
	var ws []int
	for i := range es {
		if es[i].weight > 0 && ok(&es[i]) {
			cands = append(cands, &es[i])
			ws = append(ws, es[i].weight)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return cands[g.weighted(ws)]
}

// opt returns [!] NAME VALUE with negation probability pNot.
func (g *Gen) opt(pNot float64, name, value string) []string {
	return append(append(g.not(pNot), name), value)
}

// some returns the options of each of fns drawn with probability p, at
// least one of them.
func (g *Gen) some(p float64, fns ...func() []string) []string {
	var out []string
	for _, f := range fns {
		if g.chance(p) {
			out = append(out, f()...)
		}
	}
	if out == nil {
		out = fns[g.intn(len(fns))]()
	}
	return out
}

// File is an iptables-restore file holding rules (all of one family), in
// the given order within each chain: every table they use, with its
// built-in chains and UserChain declared. Lines[i] is the 1-based line of
// rules[i]; Commits maps the line of each COMMIT to its table.
type File struct {
	Text    string
	Lines   []int
	Commits map[int]string
}

// NewFile writes rules as a restore file.
func NewFile(rules []Rule) File {
	f := File{Lines: make([]int, len(rules)), Commits: map[int]string{}}
	var b strings.Builder
	line := 0
	emit := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
		line++
	}
	for _, table := range Tables {
		var idx []int
		for i, r := range rules {
			if r.Table == table {
				idx = append(idx, i)
			}
		}
		if idx == nil {
			continue
		}
		emit("*" + table)
		for _, c := range Chains[table] {
			emit(":" + c + " ACCEPT [0:0]")
		}
		emit(":" + UserChain + " - [0:0]")
		for _, i := range idx {
			emit(rules[i].Line())
			f.Lines[i] = line
		}
		emit("COMMIT")
		f.Commits[line] = table
	}
	f.Text = b.String()
	return f
}
