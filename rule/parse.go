package rule

import (
	"errors"
	"fmt"
	"strings"
)

// ParseError says which argument of a rule could not be parsed and why.
type ParseError struct {
	Arg    string // the offending argument, or "" when the rule as a whole is wrong
	Reason string
	Err    error // an underlying error, if any
}

func (e *ParseError) Error() string {
	if e.Arg == "" {
		return e.Reason
	}
	return fmt.Sprintf("%q: %s", e.Arg, e.Reason)
}

func (e *ParseError) Unwrap() error { return e.Err }

func argError(arg, format string, a ...any) error {
	return &ParseError{Arg: arg, Reason: fmt.Sprintf(format, a...)}
}

// ErrUnsupported marks rules that are valid iptables but that nftsync cannot
// represent; it is wrapped by the ParseError.
var ErrUnsupported = errors.New("not supported")

// ErrNoNftText is what the error of Command.Translate and
// TranslateWithWarnings wraps when nft has no statement at all for an
// option of the rule (a NAT port range with a base port, "P-Q/BASE"):
// iptables-translate then prints no nft text but the command commented out
// (Command.CommentedOut). nftsync still installs such a rule as the
// option's xtables extension, where the kernel loads it.
var ErrNoNftText = errors.New("iptables-translate prints the command commented out")

// parser walks an argument list. Extensions pull option values through it.
type parser struct {
	args []string
	pos  int
	rule *Rule
	// target receives options once -j/-g has been seen.
	target Target
	// pick chooses, for -s and -d (index 0, 1), which address of a
	// comma-separated list this rule gets; n counts the addresses.
	pick, n [2]int
	// inverts, when not nil, receives the position of each "!" that
	// negates an option (not one that is an option's value).
	inverts *[]int
}

// Parse parses the iptables arguments of one rule, as written after
// "-A CHAIN", for the given family. Arguments that iptables makes several
// rules of (-s or -d with a list of addresses) are an error: see
// ParseRules.
func Parse(fam Family, args []string) (*Rule, error) {
	r, n, err := parseOne(fam, args, [2]int{}, nil)
	if err != nil {
		return nil, err
	}
	if n[0] > 1 || n[1] > 1 {
		return nil, &ParseError{Reason: fmt.Sprintf("several addresses in -s or -d make %d rules (as iptables does): pass them one rule each", max(n[0], 1)*max(n[1], 1))}
	}
	return r, nil
}

// ParseRules parses the iptables arguments of one command into the rules
// iptables makes of them: -s a,b -d c,d is one rule per source and
// destination pair, in iptables' order (sources outer, destinations inner:
// a→c, a→d, b→c, b→d). Any other arguments are one rule.
func ParseRules(fam Family, args []string) ([]*Rule, error) {
	first, n, err := parseOne(fam, args, [2]int{}, nil)
	if err != nil {
		return nil, err
	}
	if n[0] <= 1 && n[1] <= 1 {
		return []*Rule{first}, nil
	}
	out := make([]*Rule, 0, max(n[0], 1)*max(n[1], 1))
	for i := 0; i < max(n[0], 1); i++ {
		for j := 0; j < max(n[1], 1); j++ {
			if i == 0 && j == 0 {
				out = append(out, first)
				continue
			}
			// Each rule is parsed on its own: rules share no match or
			// target.
			r, _, err := parseOne(fam, args, [2]int{i, j}, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// parseOne parses the rule with the addresses pick selects, and returns
// how many -s and -d addresses there are; inverts, when not nil, receives
// the positions of the "!" arguments that negate an option.
func parseOne(fam Family, args []string, pick [2]int, inverts *[]int) (*Rule, [2]int, error) {
	r := &Rule{Family: fam}
	p := &parser{args: args, rule: r, pick: pick, inverts: inverts}
	if err := p.run(); err != nil {
		return nil, p.n, err
	}
	return r, p.n, nil
}

// addrList parses the value of -s or -d (which is 0 or 1): one address
// or, as iptables allows, a comma-separated list of which the rule gets
// the one p.pick selects.
func (p *parser) addrList(which int, v string, invert bool) (Addr, error) {
	p.n[which] = strings.Count(v, ",") + 1
	if p.n[which] > 1 && invert {
		return Addr{}, argError(v, "! is not allowed with several source or destination addresses")
	}
	var picked Addr
	i := 0
	// SplitSeq, not Split: the usual single address costs no slice.
	for s := range strings.SplitSeq(v, ",") {
		if s == "" {
			return Addr{}, argError(v, "empty address in the list")
		}
		a, err := parseAddr(p.rule.Family, s)
		if err != nil {
			return Addr{}, err
		}
		if i == p.pick[which] {
			picked = a
		}
		i++
	}
	picked.Invert = invert
	return picked, nil
}

// ParseString splits s like a shell would (quotes group words) and parses it.
func ParseString(fam Family, s string) (*Rule, error) {
	args, err := SplitArgs(s)
	if err != nil {
		return nil, err
	}
	return Parse(fam, args)
}

// value returns the argument after the current option.
func (p *parser) value(opt string) (string, error) {
	if p.pos+1 >= len(p.args) {
		return "", argError(opt, "option requires a value")
	}
	p.pos++
	return p.args[p.pos], nil
}

// onceValue returns the value of an option that may only be given once;
// given says whether it already was.
func (p *parser) onceValue(opt string, given bool) (string, error) {
	if given {
		return "", argError(opt, "may only be given once")
	}
	return p.value(opt)
}

func (p *parser) run() error {
	r := p.rule
	invert := false
	seen := map[string]bool{}
	// once refuses a repeated header option; the error names the option
	// as the user wrote it.
	once := func(opt, arg string) error {
		if seen[opt] {
			return argError(arg, "may only be given once")
		}
		seen[opt] = true
		return nil
	}
	for ; p.pos < len(p.args); p.pos++ {
		arg := p.args[p.pos]
		if arg == "!" {
			if invert {
				return argError(arg, "double negation is not allowed")
			}
			invert = true
			if p.inverts != nil {
				*p.inverts = append(*p.inverts, p.pos)
			}
			continue
		}
		opt := longOption(arg)
		var err error
		switch opt {
		case "--source", "--destination":
			if err = once(opt, arg); err != nil {
				return err
			}
			var v string
			if v, err = p.value(arg); err != nil {
				return err
			}
			a, which := &r.Src, 0
			if opt == "--destination" {
				a, which = &r.Dst, 1
			}
			*a, err = p.addrList(which, v, invert)
		case "--in-interface", "--out-interface":
			if err = once(opt, arg); err != nil {
				return err
			}
			var v string
			if v, err = p.value(arg); err != nil {
				return err
			}
			if err = checkIface(v); err != nil {
				return argError(v, "%v", err)
			}
			i := &r.In
			if opt == "--out-interface" {
				i = &r.Out
			}
			*i = Iface{Name: v, Invert: invert}
		case "--protocol":
			if err = once(opt, arg); err != nil {
				return err
			}
			var v string
			if v, err = p.value(arg); err != nil {
				return err
			}
			var num uint8
			if num, err = parseProto(v); err != nil {
				return err
			}
			// -p all matches every protocol: iptables stores it as 0.
			r.Proto = Proto{Set: num != 0 || invert, Num: num, Invert: invert}
			if num == 0 && invert {
				return argError(v, "! -p all would match nothing")
			}
		case "--set-counters":
			// Where the rule's counters start (iptables -A CHAIN -c P B
			// ...); not part of its meaning.
			if invert {
				return argError(arg, "cannot be negated")
			}
			if err = once(opt, arg); err != nil {
				return err
			}
			if p.pos+2 >= len(p.args) {
				return argError(arg, "option requires a packet and a byte count")
			}
			r.Counters, err = parseCounters(arg, p.args[p.pos+1], p.args[p.pos+2])
			p.pos += 2
		case "--fragment":
			if r.Family != IPv4 {
				return argError(arg, "-f is only valid for IPv4")
			}
			if err = once(opt, arg); err != nil {
				return err
			}
			r.Fragment, r.FragmentInvert = true, invert
		case "--match":
			if invert {
				return argError(arg, "-m cannot be negated")
			}
			var v string
			if v, err = p.value(arg); err != nil {
				return err
			}
			var m Match
			if m, err = newMatch(r, v); err != nil {
				return err
			}
			r.Matches = append(r.Matches, m)
		case "--jump", "--goto":
			if invert {
				return argError(arg, "a target cannot be negated")
			}
			if r.Target != nil {
				return argError(arg, "only one target (-j or -g) may be given")
			}
			var v string
			if v, err = p.value(arg); err != nil {
				return err
			}
			var t Target
			if t, err = newTarget(r, v, opt == "--goto"); err != nil {
				return err
			}
			r.Target, p.target = t, t
		case "--table", "--append", "--insert", "--delete", "--new-chain", "--policy":
			return argError(arg, "is a command, not part of a rule: pass only the rule's arguments")
		default:
			if err = p.extensionOption(arg, invert); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		invert = false
	}
	if invert {
		return argError("!", "nothing follows the negation")
	}
	for _, m := range r.Matches {
		if err := m.finish(r); err != nil {
			return err
		}
	}
	if r.Target != nil {
		if err := r.Target.finish(r); err != nil {
			return err
		}
	}
	return nil
}

// extensionOption offers an option to the target and the loaded matches,
// newest first as iptables does, then to the match that -p implies.
func (p *parser) extensionOption(arg string, invert bool) error {
	if !strings.HasPrefix(arg, "-") {
		return argError(arg, "unexpected argument (a value without an option, or a quoting mistake?)")
	}
	if p.target != nil {
		if ok, err := p.target.parse(p, arg, invert); ok || err != nil {
			return err
		}
	}
	ms := p.rule.Matches
	for i := len(ms) - 1; i >= 0; i-- {
		if ok, err := ms[i].parse(p, arg, invert); ok || err != nil {
			return err
		}
	}
	// iptables loads the match named like the protocol on first use of
	// one of its options (-p tcp --dport 22 means -p tcp -m tcp --dport 22).
	if p.rule.Proto.Set && !p.rule.Proto.Invert {
		if name := implicitName(p.rule.Proto.Num); implicitMatch(name) && !p.loaded(name) {
			m, err := newMatch(p.rule, name)
			if err != nil {
				return err
			}
			if ok, err := m.parse(p, arg, invert); err != nil {
				return err
			} else if ok {
				p.rule.Matches = append(p.rule.Matches, m)
				return nil
			}
		}
	}
	if p.target == nil && len(ms) == 0 && !p.rule.Proto.Set {
		return argError(arg, "unknown option (a match option needs -m MODULE or -p PROTOCOL first)")
	}
	return argError(arg, "unknown option for the loaded modules%s", p.loadedList())
}

func (p *parser) loaded(name string) bool {
	for _, m := range p.rule.Matches {
		if m.Name() == name {
			return true
		}
	}
	return false
}

func (p *parser) loadedList() string {
	var names []string
	for _, m := range p.rule.Matches {
		names = append(names, m.Name())
	}
	if p.target != nil {
		names = append(names, p.target.Name())
	}
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// shortOptions maps iptables' short header options to their long names.
var shortOptions = map[string]string{
	"-s": "--source", "--src": "--source",
	"-d": "--destination", "--dst": "--destination",
	"-i": "--in-interface", "-o": "--out-interface",
	"-p": "--protocol", "-f": "--fragment", "-c": "--set-counters",
	"-m": "--match", "-j": "--jump", "-g": "--goto",
	"-t": "--table", "-A": "--append", "-I": "--insert", "-D": "--delete",
	"-N": "--new-chain", "-P": "--policy",
}

func longOption(arg string) string {
	if l, ok := shortOptions[arg]; ok {
		return l
	}
	return arg
}

// SplitArgs splits a line into arguments the way iptables-restore does:
// whitespace separates, double or single quotes group, backslash escapes.
// It works on bytes, as iptables-restore does: every byte of an argument
// is kept, valid UTF-8 or not (a rune loop would turn invalid bytes into
// U+FFFD without a word). An argument written without quotes or escapes
// is a substring of s, not a copy: rules are read back from the kernel
// with it, one line each.
func SplitArgs(s string) ([]string, error) {
	out := make([]string, 0, splitArgsCap(s))
	var cur []byte    // the argument, once it is not a substring of s
	start := -1       // where the argument begins in s; -1 between arguments
	verbatim := false // the argument so far is s[start:i], cur unused
	var quote byte
	escaped := false
	// toCur starts an argument at i, or moves one written as is so far
	// into cur, before a quote or backslash: the argument is no longer
	// a substring of s.
	toCur := func(i int) {
		if cur == nil {
			// Room for any argument of the line: no growing.
			cur = make([]byte, 0, len(s))
		}
		switch {
		case start < 0:
			start, cur = i, cur[:0]
		case verbatim:
			cur = append(cur[:0], s[start:i]...)
		}
		verbatim = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			cur = append(cur, c)
			escaped = false
		case c == '\\' && quote != '\'':
			toCur(i)
			escaped = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur = append(cur, c)
			}
		case c == '"' || c == '\'':
			toCur(i)
			quote = c
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if start >= 0 {
				out = append(out, splitArg(s, start, i, verbatim, cur))
				start = -1
			}
		default:
			if start < 0 {
				start, verbatim = i, true
			}
			if !verbatim {
				cur = append(cur, c)
			}
		}
	}
	if quote != 0 {
		return nil, &ParseError{Reason: "unterminated quote"}
	}
	if escaped {
		return nil, &ParseError{Reason: "trailing backslash"}
	}
	if start >= 0 {
		out = append(out, splitArg(s, start, len(s), verbatim, cur))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// splitArg is an argument of SplitArgs ending at end: s[start:end] when
// it is written as is, else a copy of cur.
func splitArg(s string, start, end int, verbatim bool, cur []byte) string {
	if verbatim {
		return s[start:end]
	}
	return string(cur)
}

// splitArgsCap is a capacity for the arguments of s: one more than its
// spaces, which is exact for a rule as String writes it and no comment
// has spaces.
func splitArgsCap(s string) int {
	return strings.Count(s, " ") + 1
}
