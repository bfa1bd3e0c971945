package rule

import "github.com/google/nftables/expr"

// ConnmarkMatch is the connmark match: the mark of the packet's connection.
type ConnmarkMatch struct{ MarkValue }

// Name returns "connmark".
func (m *ConnmarkMatch) Name() string   { return "connmark" }
func (m *ConnmarkMatch) stateful() bool { return false }

func (m *ConnmarkMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--mark" {
		return false, nil
	}
	return true, m.parseMark(p, opt, invert)
}

func (m *ConnmarkMatch) finish(*Rule) error {
	if !m.set {
		return argError("-m connmark", "needs --mark")
	}
	return nil
}

func (m *ConnmarkMatch) args() []string { return m.markArgs() }

func (m *ConnmarkMatch) xlate(x *xlator) error {
	m.xlateMark(x, "ct mark", &expr.Ct{Register: 1, Key: expr.CtKeyMARK})
	return nil
}
