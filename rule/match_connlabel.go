package rule

import (
	"fmt"
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// Connlabel is the connlabel match: bit Bit of the connection's labels is
// set; with Set, the match sets it first (and fails when the connection
// cannot carry labels).
//
// iptables-translate prints "ct label", which nft reads with other edge
// cases (a connection created before labels were enabled): nftsync
// installs xt_connlabel itself. Labels are taken by number only: a name
// would depend on the host's /etc/xtables/connlabel.conf, which nftsync
// does not read (iptables-save also prints the name the file maps a bit
// to, so nftsync's listing differs from it on a host that has one).
type Connlabel struct {
	Bit         uint16
	Invert, Set bool
	set         bool
}

// Name returns "connlabel".
func (m *Connlabel) Name() string { return "connlabel" }

// stateful: --set changes the connection's labels.
func (m *Connlabel) stateful() bool { return m.Set }

func (m *Connlabel) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--set":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.Set {
			return true, argError(opt, "may only be given once")
		}
		m.Set = true
		return true, nil
	case "--label":
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	n, ok := strtoul(v)
	if !ok {
		return true, argError(v, "not a label number (nftsync does not read label names from /etc/xtables/connlabel.conf)")
	}
	if n > xt.ConnlabelMaxBit {
		return true, argError(v, "a label is a bit number from 0 to %d", xt.ConnlabelMaxBit)
	}
	m.Bit, m.Invert, m.set = uint16(n), invert, true
	return true, nil
}

func (m *Connlabel) finish(*Rule) error {
	if !m.set {
		return argError("-m connlabel", "needs --label")
	}
	return nil
}

func (m *Connlabel) args() []string {
	out := invertArgs(m.Invert, "--label", strconv.Itoa(int(m.Bit)))
	if m.Set {
		out = append(out, "--set")
	}
	return out
}

// text is iptables-translate's.
func (m *Connlabel) text() string {
	s := ""
	if m.Set {
		s = fmt.Sprintf("ct label set %d ", m.Bit)
	}
	s += "ct label "
	if m.Invert {
		s += fmt.Sprintf("and %d != ", m.Bit)
	}
	return s + strconv.Itoa(int(m.Bit))
}

func (m *Connlabel) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(m.text(), "which nft runs without xt_connlabel's failure on a connection that cannot carry labels", ext, info)
}

// xtInfo encodes the match as struct xt_connlabel_mtinfo.
func (m *Connlabel) xtInfo() (*xt.Ext, []byte) {
	c := xt.Connlabel{Bit: m.Bit}
	if m.Invert {
		c.Options |= xt.ConnlabelInvert
	}
	if m.Set {
		c.Options |= xt.ConnlabelSet
	}
	return xt.ConnlabelMatch, c.Marshal()
}
