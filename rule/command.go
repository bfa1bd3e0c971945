package rule

import (
	"fmt"
	"strconv"
)

// Command is one iptables rule command: -A or -I, a table, a chain and the
// rule's own arguments.
type Command struct {
	Table  string // default "filter"
	Chain  string
	Insert bool // -I rather than -A
	Rule   *Rule
}

// ParseCommand parses `[-t TABLE] (-A|-I) CHAIN [RULENUM] RULE...` for the
// given family; options may come in any order, as iptables allows.
func ParseCommand(fam Family, args []string) (*Command, error) {
	c := &Command{Table: "filter"}
	var rest []string
	haveCmd := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-t", "--table":
			if i+1 >= len(args) {
				return nil, argError(a, "option requires a table name")
			}
			i++
			c.Table = args[i]
		case "-A", "--append", "-I", "--insert":
			if haveCmd {
				return nil, argError(a, "only one command (-A or -I) may be given")
			}
			if i+1 >= len(args) {
				return nil, argError(a, "option requires a chain name")
			}
			haveCmd = true
			c.Insert = a == "-I" || a == "--insert"
			i++
			c.Chain = args[i]
			if c.Insert && i+1 < len(args) {
				if n, err := strconv.Atoi(args[i+1]); err == nil && n > 0 {
					i++ // a rule number: the position is irrelevant to the text
				}
			}
		default:
			rest = append(rest, a)
		}
	}
	if !haveCmd {
		return nil, &ParseError{Reason: "no command: expected -A CHAIN or -I CHAIN"}
	}
	if err := CheckTable(c.Table); err != nil {
		return nil, err
	}
	r, err := Parse(fam, rest)
	if err != nil {
		return nil, err
	}
	c.Rule = r
	return c, nil
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

// Translate returns the nft command iptables-translate prints for c.
func (c *Command) Translate() (string, error) {
	t, err := c.Rule.Translate()
	if err != nil {
		return "", fmt.Errorf("translating rule %q: %w", c.Rule.String(), err)
	}
	return t.Command(c.Table, c.Chain, c.Insert), nil
}
