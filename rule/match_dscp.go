package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
)

// DSCPMatch is the dscp match: the DSCP bits of the IPv4 TOS or IPv6 traffic
// class field.
type DSCPMatch struct {
	Value  uint8 // 0-63
	Invert bool
	set    bool
	fam    Family
}

func newDSCPMatch(r *Rule) (Match, error) { return &DSCPMatch{fam: r.Family}, nil }

// Name returns "dscp".
func (m *DSCPMatch) Name() string   { return "dscp" }
func (m *DSCPMatch) stateful() bool { return false }

func (m *DSCPMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--dscp" && opt != "--dscp-class" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	if opt == "--dscp-class" {
		n, ok := dscpClasses[strings.ToLower(v)]
		if !ok {
			return true, argError(v, "unknown DSCP class")
		}
		m.Value = n
	} else {
		n, err := tgUint(v, 63)
		if err != nil {
			return true, err
		}
		m.Value = uint8(n)
	}
	m.Invert, m.set = invert, true
	return true, nil
}

func (m *DSCPMatch) finish(*Rule) error {
	if !m.set {
		return argError("-m dscp", "needs --dscp or --dscp-class")
	}
	return nil
}

func (m *DSCPMatch) args() []string {
	return invertArgs(m.Invert, "--dscp", fmt.Sprintf("0x%02x", m.Value))
}

func (m *DSCPMatch) xlate(x *xlator) error {
	text := fmt.Sprintf("%s dscp %s0x%02x", m.fam, neq(m.Invert), m.Value)
	if m.fam == IPv6 {
		// The traffic class straddles the first two bytes.
		x.add(text, append([]expr.Any{payload(expr.PayloadBaseNetworkHeader, 0, 2)},
			maskedCmp(m.Invert, []byte{0x0f, 0xc0}, []byte{m.Value >> 2, m.Value << 6})...)...)
		return nil
	}
	x.add(text, append([]expr.Any{payload(expr.PayloadBaseNetworkHeader, 1, 1)},
		maskedCmp(m.Invert, []byte{0xfc}, []byte{m.Value << 2})...)...)
	return nil
}
