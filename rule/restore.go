package rule

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LineError is an error in one line of an iptables-restore file. It prints
// as "FILE:LINE: <offending text>: <reason>", the offending text being the
// argument a ParseError names or else the whole line.
type LineError struct {
	File string
	Line int
	Text string // the line as written
	Err  error
}

func (e *LineError) Error() string {
	var pe *ParseError
	if errors.As(e.Err, &pe) && pe.Arg != "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// RestoreKind says what a line of an iptables-restore file does.
type RestoreKind uint8

// The kinds of restore-file line ScanRestore reports.
const (
	RestoreTable   RestoreKind = iota // *TABLE
	RestoreChain                      // :CHAIN POLICY [packets:bytes]
	RestoreCommand                    // -A, -I, -N, ... (Cmd is set)
	RestoreCommit                     // COMMIT
)

// RestoreLine is one meaningful line of an iptables-restore file.
type RestoreLine struct {
	Kind  RestoreKind
	Line  int    // 1-based line number
	Text  string // the line, trimmed of surrounding white space
	Table string // the table the line belongs to
	// Chain and Policy are set for RestoreChain; Policy is "-" for a
	// user-defined chain.
	Chain, Policy string
	Cmd           *Command // set for RestoreCommand
	// Args are the arguments of a RestoreCommand line as written, without
	// its [PKTS:BYTES] prefix.
	Args []string
}

// maxRestoreLine is the scanner's limit: lines must be shorter.
const maxRestoreLine = 1 << 20

// restoreScanner keeps the state of one restore file: the open table, the
// chains that exist in it, the jumps to check at COMMIT.
type restoreScanner struct {
	name     string
	fam      Family
	table    string // "" outside a table
	tableAt  int
	declared map[string]int // chain -> line declared
	jumps    []*RestoreLine
}

// ScanRestore reads an iptables-restore (iptables-save) file and calls fn
// for each table, chain declaration, command and COMMIT, in order. It checks
// what iptables-restore checks: commands inside a *table section ending in
// COMMIT, rules only in built-in or declared chains (declared by :CHAIN or
// -N), jumps only to declared chains of the same table. Errors are
// *LineError; an error from fn is wrapped in one too.
func ScanRestore(r io.Reader, name string, fam Family, fn func(*RestoreLine) error) error {
	s := &restoreScanner{name: name, fam: fam}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxRestoreLine)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		l, err := s.line(n, text)
		if err == nil && l != nil {
			err = fn(l)
		}
		if err != nil {
			return s.wrap(n, text, err)
		}
		if l != nil && l.Kind == RestoreCommit {
			if err := s.commit(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return &LineError{File: name, Line: n + 1, Text: "(line too long)", Err: fmt.Errorf("a line is at most %d bytes", maxRestoreLine-1)}
	} else if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if s.table != "" {
		return &LineError{File: name, Line: n, Text: "*" + s.table, Err: fmt.Errorf("COMMIT expected: table %s opened at line %d is never committed", s.table, s.tableAt)}
	}
	return nil
}

func (s *restoreScanner) wrap(n int, text string, err error) error {
	var le *LineError
	if errors.As(err, &le) {
		return err
	}
	return &LineError{File: s.name, Line: n, Text: text, Err: err}
}

// line parses one non-blank, non-comment line.
func (s *restoreScanner) line(n int, text string) (*RestoreLine, error) {
	l := &RestoreLine{Line: n, Text: text, Table: s.table}
	switch {
	case strings.HasPrefix(text, "*"):
		if s.table != "" {
			return nil, fmt.Errorf("COMMIT expected before a new table: table %s opened at line %d is not committed", s.table, s.tableAt)
		}
		t := strings.TrimPrefix(text, "*")
		if err := CheckTable(t); err != nil {
			return nil, err
		}
		s.table, s.tableAt, s.declared, s.jumps = t, n, map[string]int{}, nil
		l.Kind, l.Table = RestoreTable, t
		return l, nil
	case s.table == "":
		return nil, errors.New("not inside a table: expected a *TABLE line first")
	case text == "COMMIT":
		l.Kind = RestoreCommit
		return l, nil
	case strings.HasPrefix(text, ":"):
		return l, s.chainLine(l)
	}
	// "[PKTS:BYTES] -A ..." (iptables-save -c): the rule's counters, as
	// iptables-restore --counters reads them; a -c on the line wins, as
	// without --counters (with it, iptables refuses the two together).
	var prefix *Counters
	if m := counterPrefix.FindStringSubmatch(text); m != nil {
		cs, err := parseCounters("["+m[1]+":"+m[2]+"]", m[1], m[2])
		if err != nil {
			return nil, err
		}
		prefix, text = &cs, text[len(m[0]):]
	}
	args, err := SplitArgs(text)
	if err != nil {
		return nil, err
	}
	c, err := parseCommand(s.fam, args, s.table, false, prefix)
	if err != nil {
		return nil, err
	}
	l.Kind, l.Cmd, l.Args = RestoreCommand, c, args
	return l, s.track(l)
}

// chainLine parses ":CHAIN POLICY [packets:bytes]".
func (s *restoreScanner) chainLine(l *RestoreLine) error {
	f := strings.Fields(strings.TrimPrefix(l.Text, ":"))
	if len(f) < 2 || len(f) > 3 || (len(f) == 3 && !counterPrefix.MatchString(f[2]+" ")) {
		return errors.New("expected :CHAIN POLICY [packets:bytes]")
	}
	l.Kind, l.Chain, l.Policy = RestoreChain, f[0], f[1]
	if err := checkCommandChain(l.Chain, false); err != nil {
		return err
	}
	builtin := IsBuiltinChain(s.table, l.Chain)
	switch {
	case builtin && l.Policy != "ACCEPT" && l.Policy != "DROP":
		return argError(l.Policy, "the policy of built-in chain %s must be ACCEPT or DROP", l.Chain)
	case !builtin && l.Policy != "-":
		return argError(l.Policy, "%s is not a built-in chain of table %s: its policy must be \"-\"", l.Chain, s.table)
	}
	return s.declare(l.Chain, l.Line)
}

func (s *restoreScanner) declare(chain string, n int) error {
	if at, ok := s.declared[chain]; ok {
		return argError(chain, "chain already declared at line %d", at)
	}
	s.declared[chain] = n
	return nil
}

// track keeps the set of chains up to date and checks the chain a command
// operates on.
func (s *restoreScanner) track(l *RestoreLine) error {
	c := l.Cmd
	if c.Op == OpNewChain {
		if IsBuiltinChain(s.table, c.Chain) {
			return argError(c.Chain, "is a built-in chain of table %s", s.table)
		}
		return s.declare(c.Chain, l.Line)
	}
	if c.Op == OpDeleteChain && c.Chain == "" {
		s.declared = map[string]int{} // -X alone deletes every user chain
	}
	if c.Chain == "" || IsBuiltinChain(s.table, c.Chain) {
		if c.Op == OpDeleteChain && c.Chain != "" {
			return argError(c.Chain, "cannot delete a built-in chain")
		}
		return s.trackJump(l)
	}
	if _, ok := s.declared[c.Chain]; !ok {
		return argError(c.Chain, "chain does not exist in table %s (declare it with :%s - [0:0] or -N %s)", s.table, c.Chain, c.Chain)
	}
	if c.Op == OpDeleteChain {
		delete(s.declared, c.Chain)
	}
	return s.trackJump(l)
}

func (s *restoreScanner) trackJump(l *RestoreLine) error {
	if l.Cmd.Rule != nil {
		if _, ok := l.Cmd.Rule.Target.(*Jump); ok {
			s.jumps = append(s.jumps, l)
		}
	}
	return nil
}

// commit checks the jumps of the table just committed.
func (s *restoreScanner) commit() error {
	for _, l := range s.jumps {
		j := l.Cmd.Rule.Target.(*Jump)
		var err error
		if IsBuiltinChain(s.table, j.Chain) {
			err = argError(j.Chain, "cannot jump to a built-in chain")
		} else if _, ok := s.declared[j.Chain]; !ok {
			err = argError(j.Chain, "chain does not exist in table %s", s.table)
		}
		if err != nil {
			return &LineError{File: s.name, Line: l.Line, Text: l.Text, Err: err}
		}
	}
	s.table, s.declared, s.jumps = "", nil, nil
	return nil
}
