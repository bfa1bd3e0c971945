package compat

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// savedRule is one "-A CHAIN ..." line of iptables-save output.
type savedRule struct {
	text string     // the arguments after "-A CHAIN", exactly as printed
	spec *rule.Rule // nil when the rule does not parse (foreign extensions)
	key  string     // spec.Key(), or a key no desired rule can have
}

// savedChain is one chain of a saved table.
type savedChain struct {
	name    string
	builtin bool
	policy  string // built-in chains only
	rules   []savedRule
}

// savedTable is one table as iptables-save printed it.
type savedTable struct {
	chains map[string]*savedChain
	order  []string // chain names in the order printed
	// section is the table's section from "*TABLE" to "COMMIT" as printed
	// (with counters when saved with -c), each line ending in a newline;
	// nil when the output had none. It is iptables-restore input that puts
	// the table back as it was.
	section []byte
}

// chain returns the named chain, or nil.
func (t *savedTable) chain(name string) *savedChain { return t.chains[name] }

// parseSave reads the output of `iptables-save [-c] -t TABLE` for one
// family (rule counters, "[PKTS:BYTES] -A ...", are skipped). It accepts
// output with no table section at all (a table that does not exist yet has
// only its built-in chains, with policy ACCEPT).
func parseSave(fam rule.Family, table string, data []byte) (*savedTable, error) {
	t := &savedTable{chains: map[string]*savedChain{}}
	add := func(c *savedChain) {
		if t.chains[c.name] == nil {
			t.order = append(t.order, c.name)
		}
		t.chains[c.name] = c
	}
	for _, b := range firewall.BuiltinChains[table] {
		add(&savedChain{name: b, builtin: true, policy: "ACCEPT"})
	}
	in := ""
	var section bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if in == table || line == "*"+table {
			section.WriteString(line)
			section.WriteByte('\n')
		}
		if strings.HasPrefix(line, "[") {
			// Rule counters: "[PKTS:BYTES] -A CHAIN ...".
			if _, rest, ok := strings.Cut(line, "] "); ok {
				line = rest
			}
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "*"):
			in = line[1:]
		case line == "COMMIT":
			in = ""
		case in != table:
			// Another table's section (not asked for): ignore it.
		case strings.HasPrefix(line, ":"):
			f := strings.Fields(line[1:])
			if len(f) < 2 {
				return nil, fmt.Errorf("iptables-save line %d: bad chain line %q", n, line)
			}
			c := &savedChain{name: f[0], builtin: firewall.IsBuiltin(table, f[0])}
			if c.builtin {
				c.policy = f[1]
			}
			add(c)
		case strings.HasPrefix(line, "-A "):
			f := strings.SplitN(line, " ", 3)
			c := t.chains[f[1]]
			if c == nil {
				return nil, fmt.Errorf("iptables-save line %d: rule in undeclared chain %q", n, f[1])
			}
			text := ""
			if len(f) == 3 {
				text = f[2]
			}
			c.rules = append(c.rules, parseSavedRule(fam, text))
		default:
			return nil, fmt.Errorf("iptables-save line %d: unexpected %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading iptables-save output: %w", err)
	}
	if in == table {
		return nil, fmt.Errorf("iptables-save output: table %s has no COMMIT", table)
	}
	if section.Len() > 0 {
		t.section = section.Bytes()
	}
	return t, nil
}

// parseSavedRule parses the arguments of one saved rule. A rule that does
// not parse is kept with its text: it is never equal to a desired rule.
func parseSavedRule(fam rule.Family, text string) savedRule {
	r := savedRule{text: text, key: "\x00unparsed " + text}
	args, err := rule.SplitArgs(text)
	if err != nil {
		return r
	}
	spec, err := rule.Parse(fam, args)
	if err != nil {
		return r
	}
	r.spec, r.key = spec, spec.Key()
	return r
}
