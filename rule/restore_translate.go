package rule

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// baseChain is how iptables-restore-translate declares a built-in chain.
type baseChain struct {
	typ      string
	priority int
}

// baseChainSpec returns the nft type and priority iptables-restore-translate
// 1.8.9 gives the built-in chain of a table (its hook is the chain's name in
// lower case).
func baseChainSpec(table, chain string) baseChain {
	switch table {
	case "nat":
		if chain == "INPUT" || chain == "POSTROUTING" {
			return baseChain{"nat", 100}
		}
		return baseChain{"nat", -100}
	case "mangle":
		if chain == "OUTPUT" {
			return baseChain{"route", -150}
		}
		return baseChain{"filter", -150}
	case "raw":
		return baseChain{"filter", -300}
	}
	return baseChain{"filter", 0} // filter, and security as 1.8.9 prints it
}

// TranslateRestore translates an iptables-restore file into the nft script
// iptables-restore-translate prints: "add table" for each table, "add chain"
// for each declared chain (built-in chains as base chains with their hook,
// priority and policy), then the rules and commands in file order (a rule
// nft has no statement for, ErrNoNftText, commented out). name labels
// errors (FILE:LINE: ...). The header and footer comments carry no
// date, so the output is reproducible.
func TranslateRestore(r io.Reader, name string, fam Family) (string, error) {
	s, _, err := TranslateRestoreWithWarnings(r, name, fam)
	return s, err
}

// TranslateRestoreWithWarnings is TranslateRestore, and also returns the
// warnings of the translated rules (see Command.TranslateWithWarnings),
// each prefixed with "NAME:LINE: ".
func TranslateRestoreWithWarnings(r io.Reader, name string, fam Family) (string, []string, error) {
	var b strings.Builder
	var warns []string
	fmt.Fprintf(&b, "# Translated by nftsync from %s\n", name)
	err := ScanRestore(r, name, fam, func(l *RestoreLine) error {
		switch l.Kind {
		case RestoreTable:
			fmt.Fprintf(&b, "add table %s %s\n", fam, l.Table)
		case RestoreChain:
			fmt.Fprintf(&b, "add chain %s %s %s", fam, l.Table, l.Chain)
			if l.Policy != "-" {
				bc := baseChainSpec(l.Table, l.Chain)
				fmt.Fprintf(&b, " { type %s hook %s priority %d; policy %s; }", bc.typ,
					strings.ToLower(l.Chain), bc.priority, strings.ToLower(l.Policy))
			}
			b.WriteByte('\n')
		case RestoreCommand:
			s, w, err := l.Cmd.nft()
			if errors.Is(err, ErrNoNftText) {
				// As iptables-restore-translate prints it: the line's
				// arguments after the table it adds.
				s, err = l.Cmd.commentedOut(false, append([]string{"-t", l.Table}, l.Args...)), nil
			}
			if err != nil {
				return err
			}
			for _, w := range w {
				warns = append(warns, fmt.Sprintf("%s:%d: %s", name, l.Line, w))
			}
			b.WriteString(s + "\n")
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	b.WriteString("# Completed\n")
	return b.String(), warns, nil
}
