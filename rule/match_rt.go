package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// RT is ip6tables' rt match: a routing header's type, segments left and
// length in bytes.
type RT struct {
	Type       uint8
	TypeSet    bool
	TypeInvert bool
	SegsLeft   fieldRange
	Len        uint32
	LenSet     bool
	LenInvert  bool
}

func newRT(r *Rule) (Match, error) {
	if err := ipv6Only(r, "rt"); err != nil {
		return nil, err
	}
	return &RT{}, nil
}

// Name returns "rt".
func (m *RT) Name() string   { return "rt" }
func (m *RT) stateful() bool { return false }

func (m *RT) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--rt-type":
		v, err := p.onceValue(opt, m.TypeSet)
		if err != nil {
			return true, err
		}
		n, err := parseUint(v, 8)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		m.Type, m.TypeSet, m.TypeInvert = uint8(n), true, invert
	case "--rt-segsleft":
		return true, m.SegsLeft.parseRange(p, opt, invert, 32)
	case "--rt-len":
		n, err := optLenValue(p, opt, m.LenSet)
		if err != nil {
			return true, err
		}
		m.Len, m.LenSet, m.LenInvert = n, true, invert
	default:
		return false, nil
	}
	return true, nil
}

func (m *RT) finish(*Rule) error { return nil }

func (m *RT) args() []string {
	var out []string
	if m.TypeSet {
		out = invertArgs(m.TypeInvert, "--rt-type", fmt.Sprint(m.Type))
	}
	out = append(out, m.SegsLeft.save("--rt-segsleft", 0xffffffff)...)
	if m.LenSet {
		out = append(out, invertArgs(m.LenInvert, "--rt-len", fmt.Sprint(m.Len))...)
	}
	return out
}

func (m *RT) xlate(x *xlator) error {
	if !m.rtExact() {
		return m.xtXlate(x)
	}
	printed := false
	if m.TypeSet {
		x.add(fmt.Sprintf("rt type %s%d", neq(m.TypeInvert), m.Type), ipv6Ext(nexthdrRouting, 2, 1), cmp(m.TypeInvert, []byte{m.Type}))
		printed = true
	}
	if s := m.SegsLeft; !s.all(0xffffffff) {
		load := ipv6Ext(nexthdrRouting, 3, 1)
		// The field is 8 bits; ip6tables takes a 32-bit range, which nft
		// refuses beyond 255.
		if s.Hi <= 0xff {
			x.add("rt seg-left "+s.text(), append([]expr.Any{load}, s.compare(1)...)...)
		} else if s.Lo > 0xff {
			return unsupported("--rt-segsleft %d:%d (beyond the 8-bit field)", s.Lo, s.Hi)
		} else {
			clamped := s
			clamped.Hi = 0xff
			x.addExact("rt seg-left "+s.text(), "rt seg-left "+clamped.text(), "which nft refuses (the field has 8 bits)",
				append([]expr.Any{load}, clamped.compare(1)...)...)
		}
		printed = true
	}
	if m.LenSet {
		if err := optLenXlate(x, "rt", nexthdrRouting, m.Len, m.LenInvert); err != nil {
			return err
		}
		printed = true
	}
	if !printed {
		x.add("exthdr rt exists", ipv6ExtExists(nexthdrRouting)...)
	}
	return nil
}
