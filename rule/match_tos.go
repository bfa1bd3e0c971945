package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// TosMatch is the tos match: the IPv4 TOS byte or IPv6 traffic class,
// masked with Mask, equals Value (which iptables does not mask).
//
// iptables-translate has no translation for it; nftsync installs the tos
// match of xt_dscp itself.
type TosMatch struct {
	Value, Mask uint8
	Invert      bool
	set         bool
}

// Name returns "tos".
func (m *TosMatch) Name() string   { return "tos" }
func (m *TosMatch) stateful() bool { return false }

func (m *TosMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--tos" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	m.set, m.Invert = true, invert
	m.Value, m.Mask, err = parseTosMask(v)
	return true, err
}

// parseTosMask parses a TOS value as iptables' XTTYPE_TOSMASK does:
// VALUE[/MASK] (mask 0xff when omitted), or a symbolic name
// (case-insensitive), which comes with the mask 0x3f.
func parseTosMask(v string) (value, mask uint8, err error) {
	if n, ok := tosNames[strings.ToLower(v)]; ok {
		return n, 0x3f, nil
	}
	vs, ms, hasMask := strings.Cut(v, "/")
	n, err := tgUint(vs, 0xff)
	if err != nil {
		return 0, 0, err
	}
	m := uint64(0xff)
	if hasMask {
		if m, err = tgUint(ms, 0xff); err != nil {
			return 0, 0, err
		}
	}
	return uint8(n), uint8(m), nil
}

func (m *TosMatch) finish(*Rule) error {
	if !m.set {
		return argError("-m tos", "needs --tos")
	}
	return nil
}

func (m *TosMatch) args() []string {
	return invertArgs(m.Invert, "--tos", fmt.Sprintf("0x%02x/0x%02x", m.Value, m.Mask))
}

func (m *TosMatch) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m tos", ext, info)
}

// xtInfo encodes the match as struct xt_tos_match_info.
func (m *TosMatch) xtInfo() (*xt.Ext, []byte) {
	return xt.TosMatch, xt.Tos{Mask: m.Mask, Value: m.Value, Invert: m.Invert}.Marshal()
}
