package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// IPv6Header is the ipv6header match (IPv6 only): the packet's extension
// header chain holds exactly the headers of Headers (a MASK_* bit set),
// or, with Soft, at least one of them.
//
// iptables-translate has no translation for it; nft's exthdr exists tests
// one header at a time and cannot say "exactly these": nftsync installs
// ip6t_ipv6header itself.
type IPv6Header struct {
	Headers      uint8
	Invert, Soft bool
	set          bool
}

// ipv6Headers are the headers in iptables-save order: their MASK_* bit,
// the name iptables-save prints and the other names libip6t_ipv6header
// accepts (its own, and those of /etc/protocols for the number).
var ipv6Headers = []struct {
	bit   uint8
	name  string
	other []string
}{
	{0x80, "hop-by-hop", []string{"hop", "0", "ip", "hopopt"}},
	{0x40, "ipv6-opts", []string{"dst", "60"}},
	{0x20, "ipv6-route", []string{"route", "43"}},
	{0x10, "ipv6-frag", []string{"frag", "44"}},
	{0x08, "ah", []string{"auth", "51"}},
	{0x04, "esp", []string{"50"}},
	{0x02, "ipv6-nonxt", []string{"none", "59"}},
	{0x01, "protocol", []string{"prot", "255"}},
}

func newIPv6Header(r *Rule) (Match, error) {
	if r.Family != IPv6 {
		return nil, argError("ipv6header", "is an IPv6 match")
	}
	return &IPv6Header{}, nil
}

// Name returns "ipv6header".
func (m *IPv6Header) Name() string   { return "ipv6header" }
func (m *IPv6Header) stateful() bool { return false }

func (m *IPv6Header) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--soft":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.Soft {
			return true, argError(opt, "may only be given once")
		}
		m.Soft = true
		return true, nil
	case "--header":
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	m.set, m.Invert = true, invert
	for _, name := range strings.Split(v, ",") {
		if name == "" {
			continue // strtok skips empty fields
		}
		bit := uint8(0)
		for _, h := range ipv6Headers {
			if name == h.name || contains(h.other, name) {
				bit = h.bit
			}
		}
		if bit == 0 {
			return true, argError(name, "not an IPv6 extension header (hop-by-hop, ipv6-opts, ipv6-route, ipv6-frag, ah, esp, ipv6-nonxt, protocol)")
		}
		m.Headers |= bit
	}
	if m.Headers == 0 {
		return true, argError(v, "names no header")
	}
	return true, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m *IPv6Header) finish(*Rule) error {
	if !m.set {
		return argError("-m ipv6header", "needs --header")
	}
	return nil
}

func (m *IPv6Header) args() []string {
	var names []string
	for _, h := range ipv6Headers {
		if m.Headers&h.bit != 0 {
			names = append(names, h.name)
		}
	}
	out := invertArgs(m.Invert, "--header", strings.Join(names, ","))
	if m.Soft {
		out = append(out, "--soft")
	}
	return out
}

func (m *IPv6Header) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m ipv6header, and nft cannot test a whole extension header chain", ext, info)
}

// xtInfo encodes the match as struct ip6t_ipv6header_info.
func (m *IPv6Header) xtInfo() (*xt.Ext, []byte) {
	h := xt.IPv6Header{MatchFlags: m.Headers}
	if m.Invert {
		h.InvFlags = 0xff
	}
	if m.Soft {
		h.ModeFlag = 0xff
	}
	return xt.IPv6HeaderMatch, h.Marshal()
}
