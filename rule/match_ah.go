package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// AH is the ah match: the security parameter index of an AH header within a
// range and, in ip6tables, the header's length and a zero reserved field.
type AH struct {
	SPI fieldRange
	// Len is ip6tables' --ahlen: the header's length in bytes (0: any).
	Len       uint32
	LenInvert bool
	// Res is ip6tables' --ahres: the reserved field must be zero.
	Res bool
	fam Family
}

func newAH(r *Rule) (Match, error) { return &AH{fam: r.Family}, nil }

// Name returns "ah".
func (m *AH) Name() string   { return "ah" }
func (m *AH) stateful() bool { return false }

func (m *AH) parse(p *parser, opt string, invert bool) (bool, error) {
	switch {
	case opt == "--ahspi":
		return true, m.SPI.parseRange(p, opt, invert, 32)
	case opt == "--ahlen" && m.fam == IPv6:
		v, err := p.onceValue(opt, m.Len != 0 || m.LenInvert)
		if err != nil {
			return true, err
		}
		n, err := parseUint(v, 32)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		m.Len, m.LenInvert = uint32(n), invert
		return true, nil
	case opt == "--ahres" && m.fam == IPv6:
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		m.Res = true
		return true, nil
	}
	return false, nil
}

func (m *AH) finish(*Rule) error { return nil }

func (m *AH) args() []string {
	out := m.SPI.save("--ahspi", 0xffffffff)
	if m.Len != 0 || m.LenInvert {
		if m.LenInvert {
			out = append(out, "!")
		}
		out = append(out, "--ahlen", fmt.Sprint(m.Len))
	}
	if m.Res {
		out = append(out, "--ahres")
	}
	return out
}

func (m *AH) xlate(x *xlator) error {
	hasLen := m.Len != 0 || m.LenInvert
	if m.fam == IPv6 && hasLen && !ahLenExact(m.Len) {
		return m.xtXlate(x) // match_ah_xt.go
	}
	if m.SPI.all(0xffffffff) && !hasLen && !m.Res {
		protoOnly(x, "ah", protoAH)
		return nil
	}
	field := func(off, n uint32) []expr.Any {
		return append(x.needL4(protoAH), payload(expr.PayloadBaseTransportHeader, off, n))
	}
	if !m.SPI.all(0xffffffff) {
		x.add("ah spi "+m.SPI.text(), append(field(4, 4), m.SPI.compare(4)...)...)
	}
	if hasLen {
		// ip6tables compares --ahlen with the header's length in bytes,
		// (field + 2) * 4; nft's "ah hdrlength" is the raw field.
		if !ahLenExact(m.Len) {
			return unsupported("--ahlen %d (no AH header has that length in bytes; nft compares the raw length field)", m.Len)
		}
		raw := m.Len/4 - 2
		merged := m.Res && !m.LenInvert
		var exprs []expr.Any
		if merged {
			// nft merges the adjacent equality with "ah reserved 0" into
			// one load of both fields: this statement carries it, the
			// next one only its text.
			exprs = append(field(1, 3), cmp(false, []byte{byte(raw), 0, 0}))
		} else {
			exprs = append(field(1, 1), cmp(m.LenInvert, []byte{byte(raw)}))
		}
		x.addExact(fmt.Sprintf("ah hdrlength %s%d", neq(m.LenInvert), m.Len), fmt.Sprintf("ah hdrlength %s%d", neq(m.LenInvert), raw),
			fmt.Sprintf("which nft compares with the raw length field (%d bytes is the field value %d)", m.Len, raw),
			exprs...)
		if merged {
			x.addExact("ah reserved 1", "ah reserved 0", "which nft reads as a reserved field of 1, while --ahres requires it to be zero")
			return nil
		}
	}
	if m.Res {
		x.addExact("ah reserved 1", "ah reserved 0", "which nft reads as a reserved field of 1, while --ahres requires it to be zero",
			append(field(2, 2), cmp(false, []byte{0, 0}))...)
	}
	return nil
}
