package rule

import (
	"github.com/google/nftables/expr"
)

// IPComp is the ipcomp match: the compression parameter index (CPI) of an
// IPComp header within a range.
type IPComp struct {
	SPI fieldRange
}

// Name returns "ipcomp".
func (m *IPComp) Name() string   { return "ipcomp" }
func (m *IPComp) stateful() bool { return false }

func (m *IPComp) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--ipcompspi" {
		return false, nil
	}
	return true, m.SPI.parseRange(p, opt, invert, 32)
}

func (m *IPComp) finish(*Rule) error { return nil }
func (m *IPComp) args() []string     { return m.SPI.save("--ipcompspi", 0xffffffff) }

// xlateNative appends nft's statements, or fails with ErrUnsupported where
// nft has none that is exact (xlate then installs the xt match).
func (m *IPComp) xlateNative(x *xlator) error {
	// The CPI is 16 bits: iptables-translate prints the 32-bit range it
	// was given, which nft refuses beyond 65535.
	if m.SPI.all(0xffffffff) || m.SPI.Hi > 0xffff {
		return unsupported("-m ipcomp without a CPI range within 0-65535")
	}
	x.add("comp cpi "+m.SPI.text(),
		append(x.needL4(protoComp), append([]expr.Any{payload(expr.PayloadBaseTransportHeader, 2, 2)}, m.SPI.compare(2)...)...)...)
	return nil
}
