package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// ECN is the ecn match: the ECN codepoint of the IP header and the TCP ECE
// and CWR flags.
type ECN struct {
	IPSet     bool
	IP        uint8 // --ecn-ip-ect 0-3
	IPInvert  bool
	ECE, CWR  bool // --ecn-tcp-ece, --ecn-tcp-cwr
	ECEInvert bool
	CWRInvert bool
	fam       Family
}

func newECN(r *Rule) (Match, error) { return &ECN{fam: r.Family}, nil }

// ecnNames are nft's names of the four ECN codepoints.
var ecnNames = [4]string{"not-ect", "ect1", "ect0", "ce"}

// Name returns "ecn".
func (m *ECN) Name() string   { return "ecn" }
func (m *ECN) stateful() bool { return false }

func (m *ECN) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--ecn-ip-ect":
		v, err := p.onceValue(opt, m.IPSet)
		if err != nil {
			return true, err
		}
		n, err := tgUint(v, 3)
		if err != nil {
			return true, err
		}
		m.IPSet, m.IP, m.IPInvert = true, uint8(n), invert
	case "--ecn-tcp-ece":
		m.ECE, m.ECEInvert = true, invert
	case "--ecn-tcp-cwr":
		m.CWR, m.CWRInvert = true, invert
	default:
		return false, nil
	}
	return true, nil
}

func (m *ECN) finish(*Rule) error {
	if !m.IPSet && !m.ECE && !m.CWR {
		return argError("-m ecn", "needs --ecn-ip-ect, --ecn-tcp-ece or --ecn-tcp-cwr")
	}
	return nil
}

func (m *ECN) args() []string {
	var out []string
	for _, f := range []struct {
		on, invert bool
		opt        string
	}{{m.ECE, m.ECEInvert, "--ecn-tcp-ece"}, {m.CWR, m.CWRInvert, "--ecn-tcp-cwr"}} {
		if f.on && f.invert {
			out = append(out, "!")
		}
		if f.on {
			out = append(out, f.opt)
		}
	}
	if m.IPSet {
		out = append(out, invertArgs(m.IPInvert, "--ecn-ip-ect", fmt.Sprint(m.IP))...)
	}
	return out
}

func (m *ECN) xlate(x *xlator) error {
	if m.IPSet {
		text := fmt.Sprintf("%s ecn %s%s", m.fam, neq(m.IPInvert), ecnNames[m.IP])
		if m.fam == IPv6 {
			x.add(text, append([]expr.Any{payload(expr.PayloadBaseNetworkHeader, 1, 1)},
				maskedCmp(m.IPInvert, []byte{0x30}, []byte{m.IP << 4})...)...)
		} else {
			x.add(text, append([]expr.Any{payload(expr.PayloadBaseNetworkHeader, 1, 1)},
				maskedCmp(m.IPInvert, []byte{0x03}, []byte{m.IP})...)...)
		}
	}
	for _, f := range []struct {
		on, invert bool
		name       string
		bit        byte
	}{{m.ECE, m.ECEInvert, "ecn", 0x40}, {m.CWR, m.CWRInvert, "cwr", 0x80}} {
		if !f.on {
			continue
		}
		exprs := append(x.needL4(protoTCP), payload(expr.PayloadBaseTransportHeader, 13, 1))
		if !f.invert {
			x.add("tcp flags "+f.name, append(exprs, maskedCmp(true, []byte{f.bit}, []byte{0})...)...)
			continue
		}
		// "tcp flags != ecn" is nft's comparison of the whole flags byte
		// with ECE alone; the flag is clear when the masked byte is zero.
		x.addExact("tcp flags != "+f.name, "tcp flags & "+f.name+" == 0",
			fmt.Sprintf("which nft reads as \"the flags byte is not exactly %s\"", f.name),
			append(exprs, maskedCmp(false, []byte{f.bit}, []byte{0})...)...)
	}
	return nil
}
