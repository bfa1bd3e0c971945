package rule

import (
	"fmt"
	"strconv"
	"strings"
)

// Op is the iptables command of a command line: -A, -I, -D, -F, -N, -X, -P
// or -L.
type Op uint8

// The commands ParseCommand understands.
const (
	OpAppend      Op = iota // -A CHAIN RULE
	OpInsert                // -I CHAIN [RULENUM] RULE
	OpDelete                // -D CHAIN RULE or -D CHAIN RULENUM
	OpFlush                 // -F [CHAIN]
	OpNewChain              // -N CHAIN
	OpDeleteChain           // -X [CHAIN]
	OpPolicy                // -P CHAIN POLICY
	OpList                  // -L [CHAIN]
)

// commandOps maps the command options to their Op, long and short.
var commandOps = map[string]Op{
	"-A": OpAppend, "--append": OpAppend,
	"-I": OpInsert, "--insert": OpInsert,
	"-D": OpDelete, "--delete": OpDelete,
	"-F": OpFlush, "--flush": OpFlush,
	"-N": OpNewChain, "--new-chain": OpNewChain,
	"-X": OpDeleteChain, "--delete-chain": OpDeleteChain,
	"-P": OpPolicy, "--policy": OpPolicy,
	"-L": OpList, "--list": OpList,
}

// otherCommands are iptables commands nftsync does not translate, as
// iptables-translate does not either.
var otherCommands = map[string]bool{
	"-R": true, "--replace": true, "-C": true, "--check": true,
	"-Z": true, "--zero": true, "-S": true, "--list-rules": true,
	"-E": true, "--rename-chain": true,
}

// Command is one iptables command line: what to do, in which table and
// chain, and for rule commands the rule itself.
type Command struct {
	Op     Op
	Family Family
	Table  string // default "filter"
	// Chain is the chain operated on; "" for -F, -X and -L without one.
	Chain string
	// RuleNum is the 1-based position given to -I or -D (0: none).
	RuleNum int
	// Policy is the policy of -P: ACCEPT or DROP.
	Policy string
	// Rule is the rule of -A, -I and -D (nil for -D CHAIN RULENUM): the
	// first of Rules.
	Rule *Rule
	// Rules are all the rules the command stands for: iptables makes one
	// rule per address pair of -s a,b -d c,d (see ParseRules), and -A
	// appends them in this order, while -I inserts each at the same
	// position (so they end up in reverse order, as with iptables).
	Rules []*Rule
	// ruleArgs are the arguments Rules were parsed from, for
	// CommentedOut.
	ruleArgs []string
}

// ParseCommand parses an iptables command line without the program name,
// e.g. `-t nat -A POSTROUTING -s 10.4.0.0/16 -j MASQUERADE` or `-F -t nat`,
// for the given family. Options may come in any order, as iptables allows;
// -4 and -6 are accepted when they agree with fam.
func ParseCommand(fam Family, args []string) (*Command, error) {
	return parseCommand(fam, args, "filter", true, nil)
}

// parseCommand parses a command line; allowTable is false in restore files,
// where the table comes from the "*table" line, and so are prefix, the
// counters of a restore line's "[PKTS:BYTES]" (nil: none), which a -c of
// the line replaces, as in iptables-restore (two -c are refused).
func parseCommand(fam Family, args []string, table string, allowTable bool, prefix *Counters) (*Command, error) {
	c := &Command{Family: fam, Table: table}
	var rest []string
	counters, fromPrefix := prefix, prefix != nil
	cmdFlag := ""
	// optional returns the next argument when it is not an option.
	optional := func(i int) (string, bool) {
		if i+1 < len(args) && args[i+1] != "!" && !strings.HasPrefix(args[i+1], "-") {
			return args[i+1], true
		}
		return "", false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		op, isCmd := commandOps[a]
		switch {
		case a == "-t" || a == "--table":
			if !allowTable {
				return nil, argError(a, "cannot be used in a restore file: the table is given by the *TABLE line")
			}
			if i+1 >= len(args) {
				return nil, argError(a, "option requires a table name")
			}
			i++
			c.Table = args[i]
		case a == "-c" || a == "--set-counters":
			if counters != nil && !fromPrefix {
				return nil, argError(a, "counters may only be given once")
			}
			if i+2 >= len(args) {
				return nil, argError(a, "option requires a packet and a byte count")
			}
			cs, err := parseCounters(a, args[i+1], args[i+2])
			if err != nil {
				return nil, err
			}
			counters, fromPrefix = &cs, false
			i += 2
		case a == "-4" || a == "--ipv4" || a == "-6" || a == "--ipv6":
			if (fam == IPv6) != strings.Contains(a, "6") {
				return nil, argError(a, "does not match the %s family of the command", famWord(fam))
			}
		case otherCommands[a]:
			return nil, unsupportedCommand(a, "command not supported (iptables-translate does not translate it either)")
		case isCmd:
			if cmdFlag != "" {
				return nil, argError(a, "cannot use %s with %s: one command per line", a, cmdFlag)
			}
			cmdFlag, c.Op = a, op
			n, err := c.commandArgs(a, args, i, optional)
			if err != nil {
				return nil, err
			}
			i += n
		default:
			rest = append(rest, a)
		}
	}
	if cmdFlag == "" {
		return nil, &ParseError{Reason: "no command: expected -A CHAIN, -I CHAIN, -F, -N CHAIN, ..."}
	}
	if err := CheckTable(c.Table); err != nil {
		return nil, err
	}
	if c.Op == OpPolicy && !IsBuiltinChain(c.Table, c.Chain) {
		return nil, argError(c.Chain, "only built-in chains of table %s have a policy", c.Table)
	}
	if counters != nil && c.Op != OpAppend && c.Op != OpInsert {
		return nil, argError("-c", "counters can only be set with -A or -I")
	}
	if !c.hasRule() {
		if len(rest) > 0 {
			if strings.HasPrefix(rest[0], "-") || rest[0] == "!" {
				return nil, argError(rest[0], "illegal option with %s", cmdFlag)
			}
			return nil, argError(rest[0], "bad argument: %s takes no rule", cmdFlag)
		}
		return c, nil
	}
	rules, err := ParseRules(fam, rest)
	if err != nil {
		return nil, err
	}
	c.ruleArgs = rest
	if counters != nil {
		for _, r := range rules {
			r.Counters = *counters
		}
	}
	r := rules[0]
	switch {
	case r.Out.Name != "" && (c.Chain == "INPUT" || c.Chain == "PREROUTING"):
		return nil, argError("-o", "can't use -o with %s: packets there have no output interface yet", c.Chain)
	case r.In.Name != "" && (c.Chain == "OUTPUT" || c.Chain == "POSTROUTING"):
		return nil, argError("-i", "can't use -i with %s: locally generated packets have no input interface", c.Chain)
	}
	if v, ok := r.Target.(*Verdict); ok && v.Kind == "DROP" && c.Table == "nat" {
		return nil, argError("DROP", `the "nat" table is not intended for filtering, the use of DROP is therefore inhibited`)
	}
	c.Rule, c.Rules = r, rules
	return c, nil
}

// rules returns Rules, or Rule for a Command built without them.
func (c *Command) rules() []*Rule {
	if len(c.Rules) == 0 && c.Rule != nil {
		return []*Rule{c.Rule}
	}
	return c.Rules
}

// hasRule reports whether the rest of the command line is a rule.
func (c *Command) hasRule() bool {
	return c.Op == OpAppend || c.Op == OpInsert || (c.Op == OpDelete && c.RuleNum == 0)
}

// commandArgs reads the arguments of the command option at args[i] and
// returns how many it consumed.
func (c *Command) commandArgs(flag string, args []string, i int, optional func(int) (string, bool)) (int, error) {
	switch c.Op {
	case OpFlush, OpDeleteChain, OpList:
		v, ok := optional(i)
		if !ok {
			return 0, nil
		}
		c.Chain = v
		return 1, checkCommandChain(v, false)
	}
	if i+1 >= len(args) {
		return 0, argError(flag, "option requires a chain name")
	}
	c.Chain = args[i+1]
	if err := checkCommandChain(c.Chain, c.Op == OpNewChain); err != nil {
		return 0, err
	}
	switch c.Op {
	case OpInsert, OpDelete:
		v, ok := optional(i + 1)
		if !ok {
			return 1, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			if c.Op == OpDelete {
				return 1, nil // not a number: the rule's first argument
			}
			return 0, argError(v, "invalid rule number")
		}
		c.RuleNum = n
		return 2, nil
	case OpPolicy:
		if i+2 >= len(args) {
			return 0, argError(flag, "option requires a chain name and a policy")
		}
		c.Policy = args[i+2]
		if c.Policy != "ACCEPT" && c.Policy != "DROP" {
			return 0, argError(c.Policy, "policy must be ACCEPT or DROP")
		}
		return 2, nil
	}
	return 1, nil
}

// checkCommandChain validates the chain a command names; a new chain must
// also not be named like a target.
func checkCommandChain(name string, isNew bool) error {
	switch {
	case name == "":
		return argError(name, "empty chain name")
	case len(name) > MaxChainNameLen:
		return argError(name, "chain name too long (at most %d characters)", MaxChainNameLen)
	case strings.HasPrefix(name, "-") || strings.HasPrefix(name, "!"):
		return argError(name, "chain name not allowed to start with %q", name[:1])
	case strings.ContainsAny(name, " \t\n\"'"):
		return argError(name, "chain name contains white space or quotes")
	}
	if _, clash := targetTypes[name]; clash && isNew {
		return argError(name, "chain name may not clash with target name")
	}
	return nil
}

// BuiltinChains lists each iptables table's built-in chains, in the order
// iptables-save prints them.
var BuiltinChains = map[string][]string{
	"filter":   {"INPUT", "FORWARD", "OUTPUT"},
	"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
	"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	"raw":      {"PREROUTING", "OUTPUT"},
	"security": {"INPUT", "FORWARD", "OUTPUT"},
}

// IsBuiltinChain reports whether chain is a built-in chain of table.
func IsBuiltinChain(table, chain string) bool {
	for _, c := range BuiltinChains[table] {
		if c == chain {
			return true
		}
	}
	return false
}

// Tables are the iptables tables a rule may name.
var Tables = []string{"filter", "nat", "mangle", "raw", "security"}

// CheckTable validates an iptables table name.
func CheckTable(name string) error {
	for _, t := range Tables {
		if t == name {
			return nil
		}
	}
	return argError(name, "unknown table (one of filter, nat, mangle, raw, security)")
}

// Translate returns the nft command iptables-translate prints for c, e.g.
// `nft 'add rule ip filter INPUT counter accept'` or `nft flush table ip nat`.
func (c *Command) Translate() (string, error) {
	s, _, err := c.TranslateWithWarnings()
	return s, err
}

// TranslateWithWarnings is Translate, and also returns a warning for each
// statement of the printed text that nft reads with another meaning than
// the iptables rule's, or cannot read (see Translation.Warnings): the
// printed text stays what iptables-translate prints. When nft has no
// statement for the rule (the error wraps ErrNoNftText), the warnings
// are returned with the error: they say why, and how nftsync installs
// the rule.
func (c *Command) TranslateWithWarnings() (string, []string, error) {
	s, warns, err := c.nft()
	if err != nil {
		return "", warns, err
	}
	if c.Op == OpAppend || c.Op == OpInsert {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = "nft '" + l + "'"
		}
		return strings.Join(lines, "\n"), warns, nil
	}
	return "nft " + s, warns, nil
}

// CommentedOut returns what iptables-translate prints, without the line
// break, for a command nft has no statement for (ErrNoNftText): args, the
// command line as given to iptables-translate (without the program name),
// commented out, each argument followed by a space and none quoted, e.g.
// `nft # -t nat -A PREROUTING -p tcp -j DNAT --to-destination
// 1.2.3.4:3000-4000/1000 `. iptables-translate prints "nft " once more for
// each further -s address ("nft nft # ..." for -s a,b), and a "!" that
// negates an option as an empty argument (iptables' parser blanks it).
func (c *Command) CommentedOut(args []string) string {
	return c.commentedOut(true, args)
}

// commentedOut returns "# " and each argument followed by a space, as
// iptables-translate (after "nft " a source address, when nft is set) and
// iptables-restore-translate print a command they cannot translate (see
// CommentedOut).
func (c *Command) commentedOut(nft bool, args []string) string {
	neg, sources := c.negations()
	var b strings.Builder
	if nft {
		b.WriteString(strings.Repeat("nft ", max(sources, 1)))
	}
	b.WriteString("# ")
	bang := 0
	for _, a := range args {
		if a == "!" {
			if len(neg) > 0 && neg[0] == bang {
				a, neg = "", neg[1:]
			}
			bang++
		}
		b.WriteString(a + " ")
	}
	return b.String()
}

// negations parses the command's rule again (only CommentedOut needs
// this) and returns the ordinals, among its "!" arguments, of those that
// negate an option (not an option's value), which iptables blanks in its
// argv, and the number of -s addresses. Every "!" of a command line that
// parses is among its rule's arguments (no command option takes one), so
// that these are the ordinals in the whole line too.
func (c *Command) negations() (ordinals []int, sources int) {
	_, n, _ := parseOne(c.Family, c.ruleArgs, [2]int{}, &ordinals)
	for i, pos := range ordinals {
		ordinals[i] = 0
		for _, a := range c.ruleArgs[:pos] {
			if a == "!" {
				ordinals[i]++
			}
		}
	}
	return ordinals, n[0]
}

// textSets returns the "add set" commands iptables-translate prints before
// a rule that declares named sets (see Translation.TextSets), one a line.
func textSets(t *Translation, fam Family, table string) string {
	var b strings.Builder
	for _, s := range t.TextSets {
		fmt.Fprintf(&b, "add set %s %s %s\n", fam, table, s)
	}
	return b.String()
}

// nft returns the command in nft syntax, without the "nft" program name
// and quotes: the form iptables-restore-translate prints; and the
// translation's warnings, which it returns with an error wrapping
// ErrNoNftText too (iptables-translate prints no rule of the command:
// each fails alike).
func (c *Command) nft() (string, []string, error) {
	fam := c.Family
	where := fmt.Sprintf("%s %s %s", fam, c.Table, c.Chain)
	if c.Op == OpAppend || c.Op == OpInsert {
		verb := "add"
		if c.Op == OpInsert {
			verb = "insert"
		}
		// One command per rule, as iptables-translate prints them.
		var lines, warns []string
		for _, r := range c.rules() {
			t, err := r.translateText()
			if err != nil {
				return "", nil, fmt.Errorf("translating rule %q: %w", r.String(), err)
			}
			if err := t.NoStatement(); err != nil {
				return "", t.Warnings(), fmt.Errorf("translating rule %q: %w", r.String(), err)
			}
			s := verb + " rule " + where
			if body := t.Text(); body != "" {
				s += " " + body
			}
			if len(t.TextSets) > 0 {
				s = textSets(t, fam, c.Table) + s // one nft command a line
			}
			lines, warns = append(lines, s), append(warns, t.Warnings()...)
		}
		return strings.Join(lines, "\n"), warns, nil
	}
	s, err := c.nftCommand(where)
	return s, nil, err
}

// nftCommand translates the commands that carry no rule.
func (c *Command) nftCommand(where string) (string, error) {
	fam := c.Family
	switch c.Op {
	case OpFlush:
		if c.Chain == "" {
			return fmt.Sprintf("flush table %s %s", fam, c.Table), nil
		}
		return "flush chain " + where, nil
	case OpNewChain:
		return "add chain " + where, nil
	case OpDeleteChain:
		if c.Chain == "" {
			// iptables-translate 1.8.9 prints "delete chain ip filter (null)".
			return "", unsupportedCommand("-X", "without a chain name: nft deletes one chain at a time, name it")
		}
		return "delete chain " + where, nil
	case OpList:
		return fmt.Sprintf("list table %s %s", fam, c.Table), nil
	case OpPolicy:
		return "", unsupportedCommand("-P", "translation not implemented (as in iptables-translate); in nft the policy belongs to the base chain: nft 'chain %s { policy %s; }'", where, strings.ToLower(c.Policy))
	case OpDelete:
		return "", unsupportedCommand("-D", "translation not implemented (as in iptables-translate); nft deletes a rule by its handle: nft -a list chain %s, then nft delete rule %s handle N", where, where)
	}
	return "", unsupportedCommand(fmt.Sprint(c.Op), "unknown command")
}

// unsupportedCommand returns a ParseError wrapping ErrUnsupported.
func unsupportedCommand(arg, format string, a ...any) error {
	return &ParseError{Arg: arg, Reason: fmt.Sprintf(format, a...), Err: ErrUnsupported}
}
