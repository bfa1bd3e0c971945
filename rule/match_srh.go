package rule

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// SRH is the srh match (IPv6 only): fields of the packet's Segment Routing
// Header. The -eq, -gt and -lt forms of one field share its value, as in
// struct ip6t_srh1 (iptables keeps the last one given).
//
// iptables-translate has no translation for it; nft's srh expression has
// no comparison of the previous, next or last SID under a mask: nftsync
// installs ip6t_srh itself.
type SRH struct {
	xt.SRH
}

// srhOpts are the options in iptables-save order, each with its
// IP6T_SRH_* bit (the same in mt_flags and mt_invflags).
var srhOpts = []struct {
	name string
	bit  uint16
}{
	{"--srh-next-hdr", 0x0001}, {"--srh-hdr-len-eq", 0x0002}, {"--srh-hdr-len-gt", 0x0004}, {"--srh-hdr-len-lt", 0x0008},
	{"--srh-segs-left-eq", 0x0010}, {"--srh-segs-left-gt", 0x0020}, {"--srh-segs-left-lt", 0x0040},
	{"--srh-last-entry-eq", 0x0080}, {"--srh-last-entry-gt", 0x0100}, {"--srh-last-entry-lt", 0x0200},
	{"--srh-tag", 0x0400}, {"--srh-psid", 0x0800}, {"--srh-nsid", 0x1000}, {"--srh-lsid", 0x2000},
}

func newSRH(r *Rule) (Match, error) {
	if r.Family != IPv6 {
		return nil, argError("srh", "is an IPv6 match")
	}
	return &SRH{}, nil
}

// Name returns "srh".
func (m *SRH) Name() string   { return "srh" }
func (m *SRH) stateful() bool { return false }

// field returns the byte field an option's value goes to, or nil for the
// tag and the SIDs.
func (m *SRH) field(opt string) *uint8 {
	switch {
	case opt == "--srh-next-hdr":
		return &m.NextHdr
	case strings.HasPrefix(opt, "--srh-hdr-len-"):
		return &m.HdrLen
	case strings.HasPrefix(opt, "--srh-segs-left-"):
		return &m.SegsLeft
	case strings.HasPrefix(opt, "--srh-last-entry-"):
		return &m.LastEntry
	}
	return nil
}

func (m *SRH) parse(p *parser, opt string, invert bool) (bool, error) {
	var bit uint16
	sid := -1
	for _, o := range srhOpts {
		if o.name == opt {
			bit = o.bit
		}
	}
	if bit == 0 {
		return false, nil
	}
	v, err := p.onceValue(opt, m.Flags&bit != 0)
	if err != nil {
		return true, err
	}
	switch opt {
	case "--srh-psid":
		sid = 0
	case "--srh-nsid":
		sid = 1
	case "--srh-lsid":
		sid = 2
	}
	switch {
	case sid >= 0:
		a, mask, err := parseHostPlen(v)
		if err != nil {
			return true, err
		}
		m.SID[sid], m.SIDMask[sid] = a, mask
	case opt == "--srh-tag":
		n, err := parseUint(v, 16)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		m.Tag = uint16(n)
	default:
		n, err := parseUint(v, 8)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		*m.field(opt) = uint8(n)
	}
	m.Flags |= bit
	if invert {
		m.InvFlags |= bit
	}
	return true, nil
}

// parseHostPlen parses an IPv6 ADDRESS[/PREFIXLEN] as iptables'
// XTTYPE_HOSTMASK does: the address is kept as given, not masked.
func parseHostPlen(v string) (netip.Addr, netip.Addr, error) {
	as, ps, hasPlen := strings.Cut(v, "/")
	a, err := netip.ParseAddr(as)
	if err != nil || !a.Is6() || a.Zone() != "" || a.Is4In6() {
		return netip.Addr{}, netip.Addr{}, argError(v, "not an IPv6 address (host names are not resolved)")
	}
	plen := 128
	if hasPlen {
		n, err := parseUint(ps, 8)
		if err != nil || n > 128 {
			return netip.Addr{}, netip.Addr{}, argError(v, "the prefix length must be from 0 to 128")
		}
		plen = int(n)
	}
	return a, fullMask(128, plen), nil
}

func (m *SRH) finish(*Rule) error {
	if m.Flags == 0 {
		return argError("-m srh", "needs an --srh option")
	}
	return nil
}

func (m *SRH) args() []string {
	var out []string
	for i, o := range srhOpts {
		if m.Flags&o.bit == 0 {
			continue
		}
		var v string
		switch {
		case i >= 11:
			plen, _ := prefixLen(m.SIDMask[i-11])
			v = fmt.Sprintf("%s/%d", m.SID[i-11], plen)
		case o.name == "--srh-tag":
			v = strconv.Itoa(int(m.Tag))
		default:
			v = strconv.Itoa(int(*m.field(o.name)))
		}
		out = append(out, invertArgs(m.InvFlags&o.bit != 0, o.name, v)...)
	}
	return out
}

func (m *SRH) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m srh", ext, info)
}

// xtInfo encodes the match as struct ip6t_srh1.
func (m *SRH) xtInfo() (*xt.Ext, []byte) { return xt.SRHMatch, m.SRH.Marshal() }
