package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
)

// pktTypes are the link-layer packet types iptables accepts (PACKET_*),
// with their aliases; the first name of each type is the one printed.
var pktTypes = []struct {
	name string
	typ  uint8
}{{"unicast", 0}, {"broadcast", 1}, {"multicast", 2}, {"otherhost", 3}, {"bcast", 1}, {"mcast", 2}, {"host", 0}}

// PktType is the pkttype match: unicast, broadcast or multicast.
type PktType struct {
	Type   uint8
	Invert bool
	set    bool
}

// Name returns "pkttype".
func (m *PktType) Name() string   { return "pkttype" }
func (m *PktType) stateful() bool { return false }

func (m *PktType) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--pkt-type" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	for _, t := range pktTypes {
		if strings.EqualFold(v, t.name) {
			m.Type, m.Invert, m.set = t.typ, invert, true
			return true, nil
		}
	}
	return true, argError(v, "unknown packet type (unicast, broadcast, multicast or otherhost)")
}

func (m *PktType) finish(*Rule) error {
	if !m.set {
		return argError("-m pkttype", "needs --pkt-type")
	}
	return nil
}

func (m *PktType) typeName() string {
	for _, t := range pktTypes {
		if t.typ == m.Type {
			return t.name
		}
	}
	return fmt.Sprint(m.Type)
}

func (m *PktType) args() []string {
	if m.Invert {
		return []string{"!", "--pkt-type", m.typeName()}
	}
	return []string{"--pkt-type", m.typeName()}
}

func (m *PktType) xlate(x *xlator) error {
	name := m.typeName()
	if m.Type == 3 {
		// iptables-translate prints PACKET_OTHERHOST as its number,
		// which nft reads ("other" in nft's own listing).
		name = "3"
	}
	x.add("pkttype "+neq(m.Invert)+name, meta(expr.MetaKeyPKTTYPE), cmp(m.Invert, []byte{m.Type}))
	return nil
}
