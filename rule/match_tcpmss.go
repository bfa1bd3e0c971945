package rule

import (
	"fmt"

	"github.com/nftsync/nftsync/rule/xt"
)

// TCPMSSMatch is the tcpmss match: the MSS option of a TCP segment lies
// between Min and Max.
//
// iptables-translate prints "tcp option maxseg size", which does not
// match a segment without the option where "! --mss" does (xt_tcpmss
// returns the inversion flag then), and which lets a malformed header pass
// where xt_tcpmss drops it: nftsync installs xt_tcpmss itself.
type TCPMSSMatch struct {
	Min, Max uint16
	Invert   bool
	set      bool
}

// Name returns "tcpmss".
func (m *TCPMSSMatch) Name() string   { return "tcpmss" }
func (m *TCPMSSMatch) stateful() bool { return false }

func (m *TCPMSSMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--mss" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	lo, hi, err := parseUintRange(v, 16)
	if err != nil {
		return true, err
	}
	m.Min, m.Max, m.Invert, m.set = uint16(lo), uint16(hi), invert, true
	return true, nil
}

func (m *TCPMSSMatch) finish(*Rule) error {
	if !m.set {
		return argError("-m tcpmss", "needs --mss")
	}
	return nil
}

func (m *TCPMSSMatch) boundProto() uint8 { return 6 }

func (m *TCPMSSMatch) args() []string {
	return invertArgs(m.Invert, "--mss", m.span(":"))
}

func (m *TCPMSSMatch) span(sep string) string {
	if m.Min == m.Max {
		return fmt.Sprint(m.Min)
	}
	return fmt.Sprintf("%d%s%d", m.Min, sep, m.Max)
}

func (m *TCPMSSMatch) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt("tcp option maxseg size "+neq(m.Invert)+m.span("-"),
		"which does not match a segment without the MSS option where '! --mss' does", ext, info)
}

// xtInfo encodes the match as struct xt_tcpmss_match_info.
func (m *TCPMSSMatch) xtInfo() (*xt.Ext, []byte) {
	return xt.TCPMSSMatch, xt.TCPMSS{Min: m.Min, Max: m.Max, Invert: m.Invert}.Marshal()
}
