package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Nfacct is the nfacct match: it counts the packet in the extended
// accounting object Name (created beforehand with nfacct(8)) and matches
// unless that object has a quota the packet exceeds.
//
// iptables-translate has no translation for it, and nft's named counters
// are not nfacct objects: nftsync installs xt_nfacct itself. The kernel
// refuses the rule while the object does not exist.
type Nfacct struct {
	AcctName string
}

// Name returns "nfacct".
func (m *Nfacct) Name() string { return "nfacct" }

// stateful: the match counts the packets it sees.
func (m *Nfacct) stateful() bool { return true }

func (m *Nfacct) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--nfacct-name" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, m.AcctName != "")
	if err != nil {
		return true, err
	}
	if v == "" || len(v) >= xt.NfacctNameMax || strings.Contains(v, "\n") {
		return true, argError(v, "not an accounting object name (1 to %d characters, no newline)", xt.NfacctNameMax-1)
	}
	m.AcctName = v
	return true, nil
}

func (m *Nfacct) finish(*Rule) error {
	if m.AcctName == "" {
		return argError("-m nfacct", "needs --nfacct-name")
	}
	return nil
}

func (m *Nfacct) args() []string { return []string{"--nfacct-name", m.AcctName} }

func (m *Nfacct) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m nfacct", ext, info)
}

// xtInfo encodes the match as struct xt_nfacct_match_info_v1.
func (m *Nfacct) xtInfo() (*xt.Ext, []byte) {
	return xt.NfacctMatch, xt.Nfacct{Name: m.AcctName}.Marshal()
}
