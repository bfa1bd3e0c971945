package rule

import (
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// OSF is the osf match (IPv4, TCP): the passive OS fingerprint of a SYN
// names Genre, from the fingerprints loaded into the kernel (nfnl_osf).
//
// iptables-translate has no translation for it; nft's osf expression has
// no --ttl level 2 or --log: nftsync installs xt_osf itself.
type OSF struct {
	xt.OSF
	set bool
}

func newOSF(r *Rule) (Match, error) {
	if r.Family != IPv4 {
		return nil, argError("osf", "is an IPv4 match")
	}
	return &OSF{}, nil
}

// Name returns "osf".
func (m *OSF) Name() string   { return "osf" }
func (m *OSF) stateful() bool { return false }

func (m *OSF) boundProto() uint8 { return 6 }

func (m *OSF) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--genre":
		v, err := p.onceValue(opt, m.set)
		if err != nil {
			return true, err
		}
		// iptables-save prints the genre unquoted.
		if v == "" || len(v) >= xt.OSFMaxGenre || strings.ContainsAny(v, " \t\n\"'\\") {
			return true, argError(v, "not a genre (1 to %d characters, no white space or quote)", xt.OSFMaxGenre-1)
		}
		m.Genre, m.set = v, true
		if invert {
			m.Flags |= xt.OSFInvert
		}
		return true, nil
	case "--ttl", "--log":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	flag := uint32(xt.OSFTTL)
	if opt == "--log" {
		flag = xt.OSFLog
	}
	v, err := p.onceValue(opt, m.Flags&flag != 0)
	if err != nil {
		return true, err
	}
	n, err := parseUint(v, 32)
	if err != nil || n > 2 {
		return true, argError(v, "a level is 0, 1 or 2")
	}
	m.Flags |= flag
	if opt == "--ttl" {
		m.TTL = uint32(n)
	} else {
		m.LogLevel = uint32(n)
	}
	return true, nil
}

func (m *OSF) finish(*Rule) error {
	if !m.set {
		return argError("-m osf", "needs --genre")
	}
	return nil
}

func (m *OSF) args() []string {
	out := invertArgs(m.Flags&xt.OSFInvert != 0, "--genre", m.Genre)
	if m.Flags&xt.OSFTTL != 0 {
		out = append(out, "--ttl", strconv.Itoa(int(m.TTL)))
	}
	if m.Flags&xt.OSFLog != 0 {
		out = append(out, "--log", strconv.Itoa(int(m.LogLevel)))
	}
	return out
}

func (m *OSF) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m osf", ext, info)
}

// xtInfo encodes the match as struct xt_osf_info.
func (m *OSF) xtInfo() (*xt.Ext, []byte) { return xt.OSFMatch, m.OSF.Marshal() }
