package rule

import (
	"fmt"
	"net"
	"strings"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
)

// MAC is the mac match: the Ethernet source address of a packet that came
// in on an Ethernet device.
type MAC struct {
	Source net.HardwareAddr
	Invert bool
}

// Name returns "mac".
func (m *MAC) Name() string   { return "mac" }
func (m *MAC) stateful() bool { return false }

func (m *MAC) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--mac-source" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.Source != nil)
	if err != nil {
		return true, err
	}
	hw, err := net.ParseMAC(v)
	if err != nil || len(hw) != 6 || strings.Count(v, ":") != 5 {
		return true, argError(v, "not an Ethernet address (XX:XX:XX:XX:XX:XX)")
	}
	m.Source, m.Invert = hw, invert
	return true, nil
}

func (m *MAC) finish(*Rule) error {
	if m.Source == nil {
		return argError("-m mac", "needs --mac-source")
	}
	return nil
}

// args prints the address in lower case, as iptables-save 1.8.9 does
// (xtables_print_mac; older versions printed upper case).
func (m *MAC) args() []string {
	return invertArgs(m.Invert, "--mac-source", m.Source.String())
}

// xlate: xt_mac only looks at packets from Ethernet devices, even when
// inverted; nft adds the same "meta iiftype ether" dependency.
func (m *MAC) xlate(x *xlator) error {
	x.add(fmt.Sprintf("ether saddr %s%s", neq(m.Invert), m.Source),
		meta(expr.MetaKeyIIFTYPE), cmp(false, ne16(1)),
		payload(expr.PayloadBaseLLHeader, 6, 6), cmp(m.Invert, []byte(m.Source)))
	return nil
}

// ne16 encodes a 16-bit value in host byte order (ARPHRD types).
func ne16(v uint16) []byte { return binaryutil.NativeEndian.PutUint16(v) }
