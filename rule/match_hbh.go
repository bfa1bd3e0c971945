package rule

import (
	"fmt"
)

// HBH is ip6tables' hbh match: a hop-by-hop options header, optionally of a
// given length in bytes (--hbh-len) and with given options (--hbh-opts,
// installed as the xtables match: see match_opts_xt.go).
type HBH struct {
	Len       uint32
	LenSet    bool
	LenInvert bool
	ipv6Opts
}

func newHBH(r *Rule) (Match, error) {
	if err := ipv6Only(r, "hbh"); err != nil {
		return nil, err
	}
	return &HBH{}, nil
}

// Name returns "hbh".
func (m *HBH) Name() string   { return "hbh" }
func (m *HBH) stateful() bool { return false }

func (m *HBH) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt == "--hbh-opts" {
		return true, m.ipv6Opts.parse(p, opt, invert)
	}
	if opt != "--hbh-len" {
		return false, nil
	}
	n, err := optLenValue(p, opt, m.LenSet)
	if err != nil {
		return true, err
	}
	m.Len, m.LenSet, m.LenInvert = n, true, invert
	return true, nil
}

func (m *HBH) finish(*Rule) error { return nil }

func (m *HBH) args() []string {
	var out []string
	if m.LenSet {
		out = invertArgs(m.LenInvert, "--hbh-len", fmt.Sprint(m.Len))
	}
	if m.OptsSet {
		out = append(out, "--hbh-opts", optsArgs(m.Opts))
	}
	return out
}

func (m *HBH) xlate(x *xlator) error {
	if m.OptsSet || m.LenSet && !optLenExact(m.Len) {
		return m.xtXlate(x)
	}
	if !m.LenSet {
		x.add("exthdr hbh exists", ipv6ExtExists(nexthdrHop)...)
		return nil
	}
	return optLenXlate(x, "hbh", nexthdrHop, m.Len, m.LenInvert)
}

// optLenValue reads a header length in bytes (--hbh-len, --rt-len).
func optLenValue(p *parser, opt string, given bool) (uint32, error) {
	v, err := p.onceValue(opt, given)
	if err != nil {
		return 0, err
	}
	n, err := parseUint(v, 32)
	if err != nil {
		return 0, argError(v, "%v", err)
	}
	return uint32(n), nil
}

// optLenXlate translates a length in bytes of an IPv6 extension header
// counted in 8-byte units beyond the first (hop-by-hop, routing):
// ip6tables compares the length in bytes, (field + 1) * 8, while
// iptables-translate prints the number as the raw field nft compares.
func optLenXlate(x *xlator, name string, typ uint8, n uint32, invert bool) error {
	if !optLenExact(n) {
		return unsupported("%s length %d (no header has that length in bytes; nft compares the raw length field)", name, n)
	}
	raw := n/8 - 1
	x.addExact(fmt.Sprintf("%s hdrlength %s%d", name, neq(invert), n), fmt.Sprintf("%s hdrlength %s%d", name, neq(invert), raw),
		fmt.Sprintf("which nft compares with the raw length field (%d bytes is the field value %d)", n, raw),
		ipv6Ext(typ, 1, 1), cmp(invert, []byte{byte(raw)}))
	return nil
}

// optLenExact reports whether a header length in bytes is one nft can
// compare: a whole number of 8-byte units, the first included.
func optLenExact(n uint32) bool { return n >= 8 && n%8 == 0 && n/8-1 <= 255 }

// invertArgs returns opt and its value, after "!" when inverted.
func invertArgs(invert bool, opt, v string) []string {
	if invert {
		return []string{"!", opt, v}
	}
	return []string{opt, v}
}
