package compat

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/firewall"
)

// restoreLine is one line of iptables-restore input and the rule (or chain)
// that errors on it name: label, or rule idx of chain (computed only when
// needed); neither for structural lines.
type restoreLine struct {
	text  string
	label string
	chain *firewall.Chain
	idx   int
}

// name returns how errors name the line's rule, or "".
func (l restoreLine) name() string {
	if l.chain != nil {
		return l.chain.Label(l.idx)
	}
	return l.label
}

// restoreInput is the input of one iptables-restore --noflush run: one
// section per table, each committed on its own.
type restoreInput struct {
	lines []restoreLine
}

// table appends a table section. Tables without lines are skipped.
func (in *restoreInput) table(name string, lines []restoreLine) {
	if len(lines) == 0 {
		return
	}
	in.lines = append(in.lines, restoreLine{text: "*" + name})
	in.lines = append(in.lines, lines...)
	in.lines = append(in.lines, restoreLine{text: "COMMIT"})
}

// empty reports whether there is nothing to restore.
func (in *restoreInput) empty() bool { return len(in.lines) == 0 }

// bytes returns the input text.
func (in *restoreInput) bytes() []byte {
	var b strings.Builder
	for _, l := range in.lines {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// lineRE finds the line number iptables-restore blames: "Error occurred at
// line: 5", "iptables-restore: line 5 failed", "line 5: CHAIN_DEL failed".
var lineRE = regexp.MustCompile(`line:?\s+(\d+)`)

// failedLine returns the input line a failed iptables-restore run blamed,
// or 0 when it named none.
func failedLine(err error) int {
	var ee *execError
	if !errors.As(err, &ee) {
		return 0
	}
	m := lineRE.FindStringSubmatch(ee.stderr)
	if m == nil {
		return 0
	}
	n, convErr := strconv.Atoi(m[1])
	if convErr != nil {
		return 0
	}
	return n
}

// blame turns a failed iptables-restore run into an error naming the rule of
// the line it reports, when it reports one that carries a rule.
func (in *restoreInput) blame(err error) error { return in.blameLine(err, failedLine(err)) }

// blameLine is blame for a failure at line n of in. iptables-legacy-restore
// blames the COMMIT line when the kernel refuses a table; that is blamed on
// the section's command when the section holds only one.
func (in *restoreInput) blameLine(err error, n int) error {
	if n < 1 || n > len(in.lines) {
		return err
	}
	i := n - 1
	if in.lines[i].text == "COMMIT" && i >= 2 && strings.HasPrefix(in.lines[i-2].text, "*") {
		i--
	}
	l := in.lines[i]
	if l.name() == "" {
		return fmt.Errorf("input line %d %q: %w", i+1, l.text, err)
	}
	return &firewall.RuleError{Rule: l.name(), Err: fmt.Errorf("input line %d %q: %w", i+1, l.text, err)}
}

// tables returns the tables of the input's sections, in order.
func (in *restoreInput) tables() []string {
	var out []string
	for _, l := range in.lines {
		if name, ok := strings.CutPrefix(l.text, "*"); ok {
			out = append(out, name)
		}
	}
	return out
}

// committed returns the tables whose sections iptables-restore committed
// before it failed at line n: those whose COMMIT comes before n. With n
// unknown (0) every table may have been committed.
func (in *restoreInput) committed(n int) []string {
	if n < 1 {
		return in.tables()
	}
	var out []string
	table := ""
	for i, l := range in.lines {
		if i+1 >= n {
			break
		}
		if name, ok := strings.CutPrefix(l.text, "*"); ok {
			table = name
		} else if l.text == "COMMIT" {
			out = append(out, table)
		}
	}
	return out
}

// section returns the index range [from, to) of the section holding line
// n (1-based): its "*TABLE" line to its COMMIT, inclusive.
func (in *restoreInput) section(n int) (from, to int) {
	from, to = 0, len(in.lines)
	for i := n - 1; i >= 0 && i < len(in.lines); i-- {
		if strings.HasPrefix(in.lines[i].text, "*") {
			from = i
			break
		}
	}
	for i := max(n-1, 0); i < len(in.lines); i++ {
		if in.lines[i].text == "COMMIT" {
			to = i + 1
			break
		}
	}
	return from, to
}

// split returns the same commands with a section (and a commit) of their
// own each: run in a scratch namespace, the first commit that fails names
// its one command even where iptables-legacy-restore blames COMMIT.
func (in *restoreInput) split() *restoreInput {
	out := &restoreInput{}
	table := ""
	for _, l := range in.lines {
		switch name, ok := strings.CutPrefix(l.text, "*"); {
		case ok:
			table = name
		case l.text == "COMMIT":
		default:
			out.table(table, []restoreLine{l})
		}
	}
	return out
}

// parts splits the input into one input per section.
func (in *restoreInput) parts() []*restoreInput {
	var out []*restoreInput
	for i, l := range in.lines {
		if strings.HasPrefix(l.text, "*") {
			_, to := in.section(i + 1)
			out = append(out, &restoreInput{lines: in.lines[i:to:to]})
		}
	}
	return out
}

// join concatenates inputs.
func join(parts []*restoreInput) *restoreInput {
	out := &restoreInput{}
	for _, p := range parts {
		out.lines = append(out.lines, p.lines...)
	}
	return out
}

// risk counts the commands of lines the kernel checks rule by rule (-I and
// -A): the more there are, the likelier a refusal.
func risk(lines []restoreLine) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l.text, "-I ") || strings.HasPrefix(l.text, "-A ") {
			n++
		}
	}
	return n
}

// nsWords are options whose rules refer to objects a network namespace
// holds apart from its tables (ipsets, conntrack timeout policies, idle
// timers): a scratch namespace lacks them, so its refusal proves nothing.
var nsWords = []string{"--match-set", "--add-set", "--del-set", "--map-set", "SET", "IDLETIMER", "--timeout"}

// nsDependent reports whether any command of lines[from:to] uses nsWords.
func (in *restoreInput) nsDependent(from, to int) bool {
	for _, l := range in.lines[from:to] {
		for _, w := range strings.Fields(l.text) {
			if slices.Contains(nsWords, w) {
				return true
			}
		}
	}
	return false
}

// restoreArgs joins rule arguments for iptables-restore, which groups words
// in double quotes and, inside them, takes a backslash to escape the next
// character.
func restoreArgs(args []string) (string, error) {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "\n\r\x00") {
			return "", fmt.Errorf("argument %q: iptables-restore input cannot hold a newline or NUL", a)
		}
		if a != "" && !strings.ContainsAny(a, " \t\"'\\") {
			q[i] = a
			continue
		}
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`
	}
	return strings.Join(q, " "), nil
}
