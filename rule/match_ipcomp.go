package rule

import (
	"github.com/google/nftables/expr"
)

// IPComp is the ipcomp match: the compression parameter index (CPI) of an
// IPComp header within a range.
type IPComp struct {
	SPI fieldRange
	// Res is --compres, which libxt_ipcomp stores (hdrres) and the
	// kernel's xt_ipcomp never reads: it changes no packet's verdict.
	Res bool
}

// Name returns "ipcomp".
func (m *IPComp) Name() string   { return "ipcomp" }
func (m *IPComp) stateful() bool { return false }

func (m *IPComp) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--ipcompspi":
		return true, m.SPI.parseRange(p, opt, invert, 32)
	case "--compres":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.Res {
			return true, argError(opt, "may only be given once")
		}
		m.Res = true
		return true, nil
	}
	return false, nil
}

func (m *IPComp) finish(*Rule) error { return nil }

// args prints --compres after the CPI range, as libxt_ipcomp saves it.
func (m *IPComp) args() []string {
	out := m.SPI.save("--ipcompspi", 0xffffffff)
	if m.Res {
		out = append(out, "--compres")
	}
	return out
}

// xlateNative appends nft's statements, or fails with ErrUnsupported where
// nft has none that is exact (xlate then installs the xt match).
func (m *IPComp) xlateNative(x *xlator) error {
	// --compres needs nothing: the kernel ignores it (see Res).
	// The CPI is 16 bits: iptables-translate prints the 32-bit range it
	// was given, which nft refuses beyond 65535.
	if m.SPI.all(0xffffffff) || m.SPI.Hi > 0xffff {
		return unsupported("-m ipcomp without a CPI range within 0-65535")
	}
	x.add("comp cpi "+m.SPI.text(),
		append(x.needL4(protoComp), append([]expr.Any{payload(expr.PayloadBaseTransportHeader, 2, 2)}, m.SPI.compare(2)...)...)...)
	return nil
}
