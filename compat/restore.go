package compat

import (
	"errors"
	"fmt"
	"regexp"
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

// blame turns a failed iptables-restore run into an error naming the rule of
// the line it reports, when it reports one that carries a rule.
func (in *restoreInput) blame(err error) error {
	var ee *execError
	if !errors.As(err, &ee) {
		return err
	}
	m := lineRE.FindStringSubmatch(ee.stderr)
	if m == nil {
		return err
	}
	n, convErr := strconv.Atoi(m[1])
	if convErr != nil || n < 1 || n > len(in.lines) {
		return err
	}
	l := in.lines[n-1]
	if l.name() == "" {
		return fmt.Errorf("input line %d %q: %w", n, l.text, err)
	}
	return &firewall.RuleError{Rule: l.name(), Err: fmt.Errorf("input line %d %q: %w", n, l.text, err)}
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
