package rule

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/google/nftables/expr"
)

// IPRange is an inclusive range of addresses.
type IPRange struct {
	Set    bool
	Lo, Hi netip.Addr
	Invert bool
}

// IPRangeMatch is the iprange match: --src-range and --dst-range.
type IPRangeMatch struct {
	Src, Dst IPRange
}

// Name returns "iprange".
func (m *IPRangeMatch) Name() string   { return "iprange" }
func (m *IPRangeMatch) stateful() bool { return false }

func (m *IPRangeMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	r := &m.Src
	switch opt {
	case "--src-range":
	case "--dst-range":
		r = &m.Dst
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, r.Set)
	if err != nil {
		return true, err
	}
	lo, hi, ok := strings.Cut(v, "-")
	if !ok {
		hi = lo // iptables accepts a single address
	}
	fam := p.rule.Family
	var addrs [2]netip.Addr
	for i, s := range []string{lo, hi} {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return true, argError(v, "%q is not an IP address", s)
		}
		if a.Is4() != (fam == IPv4) {
			return true, argError(v, "%s is not an %s address", a, famWord(fam))
		}
		addrs[i] = a
	}
	// An inverted range (iptables-legacy warns "is reversed and will
	// never match" but installs it) runs as xt_iprange: see xlateNative.
	*r = IPRange{Set: true, Lo: addrs[0], Hi: addrs[1], Invert: invert}
	return true, nil
}

func (m *IPRangeMatch) finish(*Rule) error {
	if !m.Src.Set && !m.Dst.Set {
		return argError("-m iprange", "needs --src-range or --dst-range")
	}
	return nil
}

func (m *IPRangeMatch) args() []string {
	var out []string
	for _, r := range []struct {
		opt string
		r   IPRange
	}{{"--src-range", m.Src}, {"--dst-range", m.Dst}} {
		if !r.r.Set {
			continue
		}
		if r.r.Invert {
			out = append(out, "!")
		}
		out = append(out, r.opt, r.r.Lo.String()+"-"+r.r.Hi.String())
	}
	return out
}

// xlateNative appends nft's statements, or fails with ErrUnsupported for
// an inverted range, which nft refuses and xt_iprange never matches
// (negated, always).
func (m *IPRangeMatch) xlateNative(x *xlator) error {
	for _, r := range []IPRange{m.Src, m.Dst} {
		if r.Set && r.Hi.Less(r.Lo) {
			return unsupported("the inverted range %s-%s", r.Lo, r.Hi)
		}
	}
	for _, f := range []struct {
		field string
		r     IPRange
	}{{"saddr", m.Src}, {"daddr", m.Dst}} {
		if !f.r.Set {
			continue
		}
		off := map[bool]map[string]uint32{false: {"saddr": 12, "daddr": 16}, true: {"saddr": 8, "daddr": 24}}[x.fam == IPv6][f.field]
		lo, hi := f.r.Lo.AsSlice(), f.r.Hi.AsSlice()
		exprs := append([]expr.Any{payload(expr.PayloadBaseNetworkHeader, off, uint32(len(lo)))}, rangeCmp(f.r.Invert, lo, hi)...)
		x.add(fmt.Sprintf("%s %s %s%s-%s", x.fam, f.field, neq(f.r.Invert), f.r.Lo, f.r.Hi), exprs...)
	}
	return nil
}
