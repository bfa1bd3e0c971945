package rule

import (
	"fmt"
	"net"
	"strconv"
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
	hw, ok := parseEtherMAC(v)
	if !ok {
		return true, argError(v, "not an Ethernet address (XX:XX:XX:XX:XX:XX)")
	}
	m.Source, m.Invert = hw, invert
	return true, nil
}

// parseEtherMAC reads an Ethernet address as iptables 1.8.9 does
// (xtopt_parse_ethermac): six ":"-separated fields, each at most two
// characters that C's strtoul reads whole in base 16, so "0:1:2:3:4:5"
// is 00:01:02:03:04:05, an empty field is 0 and "-1" is 0xff.
func parseEtherMAC(v string) (net.HardwareAddr, bool) {
	fields := strings.Split(v, ":")
	if len(fields) != 6 {
		return nil, false
	}
	hw := make(net.HardwareAddr, 6)
	for i, f := range fields {
		if len(f) > 2 {
			return nil, false
		}
		neg := false
		if len(f) == 2 && strings.ContainsRune(" \t\n\v\f\r+-", rune(f[0])) {
			neg, f = f[0] == '-', f[1:]
		}
		if f == "" {
			continue // strtoul read nothing, and stopped at the ':' or the end
		}
		n, err := strconv.ParseUint(f, 16, 8)
		if err != nil {
			return nil, false
		}
		if neg {
			n = -n
		}
		hw[i] = byte(n)
	}
	return hw, true
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
