package rule

import (
	"fmt"

	"github.com/nftsync/nftsync/rule/xt"
)

// Helper is the helper match: the connection tracking helper of the
// packet's connection (for example "ftp" or "sip").
type Helper struct {
	Helper string
	Invert bool
	set    bool
}

// Name returns "helper".
func (m *Helper) Name() string   { return "helper" }
func (m *Helper) stateful() bool { return false }

func (m *Helper) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--helper" {
		return false, nil
	}
	if m.set {
		return true, argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	// xt_helper holds 29 bytes of the name (iptables cuts it there); an
	// empty name matches a connection whose master has any helper.
	v = v[:min(len(v), xt.HelperNameMax)]
	if v != "" && !printableName(v) {
		return true, argError(v, "helper name contains quotes, spaces or control characters")
	}
	m.Helper, m.Invert, m.set = v, invert, true
	return true, nil
}

// printableName reports whether s is printable ASCII without quotes or
// spaces, so that nft can read it back between double quotes.
func printableName(s string) bool {
	for _, c := range s {
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (m *Helper) finish(*Rule) error {
	if !m.set {
		return argError("-m helper", "needs --helper")
	}
	return nil
}

func (m *Helper) args() []string {
	if m.Invert {
		return []string{"!", "--helper", m.Helper}
	}
	return []string{"--helper", m.Helper}
}

// xlate installs xt_helper itself: it tests the helper of the
// connection's master (a related connection, such as FTP data, matches
// "--helper ftp"), where nft's ct helper tests the connection's own
// helper; and a packet of a connection without a master matches a
// negated xt_helper, never nft's ct helper !=. iptables-translate's text
// is kept.
func (m *Helper) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(fmt.Sprintf("ct helper %s%q", neq(m.Invert), m.Helper),
		"which tests the connection's own helper, where xt_helper tests the helper of the connection's master (the connection that expected it)", ext, info)
}

// xtInfo encodes the match as struct xt_helper_info.
func (m *Helper) xtInfo() (*xt.Ext, []byte) {
	return xt.HelperMatch, xt.Helper{Invert: m.Invert, Name: m.Helper}.Marshal()
}
