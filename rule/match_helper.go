package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// nftHelperNameLen is the size of nft's ct helper name (NF_CT_HELPER_NAME_LEN).
const nftHelperNameLen = 16

// Helper is the helper match: the connection tracking helper of the
// packet's connection (for example "ftp" or "sip").
type Helper struct {
	Helper string
	Invert bool
}

// Name returns "helper".
func (m *Helper) Name() string   { return "helper" }
func (m *Helper) stateful() bool { return false }

func (m *Helper) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--helper" {
		return false, nil
	}
	if m.Helper != "" {
		return true, argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	switch {
	case v == "":
		return true, argError(opt, "empty helper name")
	case len(v) >= nftHelperNameLen:
		return true, argError(v, "helper name longer than %d bytes", nftHelperNameLen-1)
	case !printableName(v):
		return true, argError(v, "helper name contains quotes, spaces or control characters")
	}
	m.Helper, m.Invert = v, invert
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
	if m.Helper == "" {
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

func (m *Helper) xlate(x *xlator) error {
	name := make([]byte, nftHelperNameLen)
	copy(name, m.Helper)
	x.add(fmt.Sprintf("ct helper %s%q", neq(m.Invert), m.Helper),
		&expr.Ct{Register: 1, Key: expr.CtKeyHELPER}, cmp(m.Invert, name))
	return nil
}
