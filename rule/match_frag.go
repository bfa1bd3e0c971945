package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// Frag is ip6tables' frag match: the fragment header's identification
// within a range and its flags.
type Frag struct {
	ID fieldRange
	// Res (--fragres) requires the reserved bits to be zero; First
	// (--fragfirst) a zero fragment offset; More (--fragmore) the M flag,
	// Last (--fraglast) its absence.
	Res, First, More, Last bool
	// Len is --fraglen: libip6t_frag writes it into the kernel's struct,
	// which does not test it (since Linux 3.0), so the match keeps it
	// only as written, installed as ip6t_frag.
	LenSet, LenInvert bool
	Len               uint32
}

func newFrag(r *Rule) (Match, error) {
	if err := ipv6Only(r, "frag"); err != nil {
		return nil, err
	}
	return &Frag{}, nil
}

// Name returns "frag".
func (m *Frag) Name() string   { return "frag" }
func (m *Frag) stateful() bool { return false }

func (m *Frag) parse(p *parser, opt string, invert bool) (bool, error) {
	var flag *bool
	switch opt {
	case "--fragid":
		return true, m.ID.parseRange(p, opt, invert, 32)
	case "--fraglen":
		v, err := p.onceValue(opt, m.LenSet)
		if err != nil {
			return true, err
		}
		n, ok := strtoul(v)
		if !ok || n > 0xffffffff {
			return true, argError(v, "--fraglen must be a number from 0 to 4294967295")
		}
		m.LenSet, m.LenInvert, m.Len = true, invert, uint32(n)
		return true, nil
	case "--fragres":
		flag = &m.Res
	case "--fragfirst":
		flag = &m.First
	case "--fragmore":
		flag = &m.More
	case "--fraglast":
		flag = &m.Last
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	*flag = true
	return true, nil
}

func (m *Frag) finish(*Rule) error { return nil }

func (m *Frag) args() []string {
	out := m.ID.save("--fragid", 0xffffffff)
	if m.LenSet {
		out = append(out, invertArgs(m.LenInvert, "--fraglen", strconv.FormatUint(uint64(m.Len), 10))...)
	}
	for _, f := range []struct {
		on  bool
		opt string
	}{{m.Res, "--fragres"}, {m.First, "--fragfirst"}, {m.More, "--fragmore"}, {m.Last, "--fraglast"}} {
		if f.on {
			out = append(out, f.opt)
		}
	}
	return out
}

func (m *Frag) xlate(x *xlator) error {
	if m.Res {
		// iptables-translate prints "frag reserved 1"; --fragres requires
		// the reserved byte and the two reserved bits to be zero.
		return m.xtXlate(x, "which nft reads as the reserved field being 1, where --fragres requires it to be zero")
	}
	if m.LenSet {
		// nft has no place for a value the kernel keeps but never tests.
		return m.xtXlate(x, "which leaves out --fraglen (kept by the kernel's ip6t_frag, never tested)")
	}
	printed := false
	if !m.ID.all(0xffffffff) {
		x.add("frag id "+m.ID.text(), append([]expr.Any{ipv6Ext(nexthdrFragment, 4, 4)}, m.ID.compare(4)...)...)
		printed = true
	}
	if m.First {
		x.add("frag frag-off 0", append([]expr.Any{ipv6Ext(nexthdrFragment, 2, 2)}, maskedCmp(false, []byte{0xff, 0xf8}, []byte{0, 0})...)...)
		printed = true
	}
	for _, mf := range []struct {
		on  bool
		val byte
	}{{m.More, 1}, {m.Last, 0}} {
		if mf.on {
			x.add("frag more-fragments "+itoa8(mf.val), append([]expr.Any{ipv6Ext(nexthdrFragment, 3, 1)}, maskedCmp(false, []byte{1}, []byte{mf.val})...)...)
			printed = true
		}
	}
	if !printed {
		x.add("exthdr frag exists", ipv6ExtExists(nexthdrFragment)...)
	}
	return nil
}

// itoa8 prints a small number.
func itoa8(b byte) string { return string(rune('0' + b)) }
