package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

const protoDCCP = 33

// dccpTypes are the packet type names of --dccp-types, by type number.
var dccpTypes = []string{"REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"}

// DCCP is the dccp match: source and destination port ranges and the
// packet type.
type DCCP struct {
	ports
	// Types has bit N set for type N (bit 10, INVALID, is type 10 only).
	Types       uint16
	TypesInvert bool
}

// Name returns "dccp".
func (m *DCCP) Name() string   { return "dccp" }
func (m *DCCP) stateful() bool { return false }

func (m *DCCP) parse(p *parser, opt string, invert bool) (bool, error) {
	if ok, err := m.parsePorts(p, opt, invert); ok || err != nil {
		return ok, err
	}
	if opt != "--dccp-types" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.Types != 0)
	if err != nil {
		return true, err
	}
	for _, name := range strings.Split(v, ",") {
		found := false
		for i, t := range dccpTypes {
			if strings.EqualFold(name, t) {
				m.Types |= 1 << i
				found = true
			}
		}
		if !found {
			return true, argError(v, "unknown DCCP packet type %q", name)
		}
	}
	m.TypesInvert = invert
	return true, nil
}

func (m *DCCP) finish(r *Rule) error { return checkProto(r, "dccp", protoDCCP) }

func (m *DCCP) args() []string {
	out := m.portArgs()
	if m.Types != 0 {
		var names []string
		for i, t := range dccpTypes {
			if m.Types&(1<<i) != 0 {
				names = append(names, t)
			}
		}
		out = append(out, invertArgs(m.TypesInvert, "--dccp-types", strings.Join(names, ","))...)
	}
	return out
}

// xlate: iptables-translate prints INVALID as the range 10-15, but xt_dccp
// tests the type's bit in the mask, and INVALID is bit 10 alone: types 11
// to 15 do not match. The exact text names type 10.
func (m *DCCP) xlate(x *xlator) error {
	printed := m.xlatePorts(x, "dccp", protoDCCP)
	if m.Types == 0 {
		if !printed {
			x.l4Only("dccp", protoDCCP)
		}
		return nil
	}
	var text, exact []string
	set := &AnonSet{KeyType: nftables.TypeDCCPPktType}
	for i := range dccpTypes {
		if m.Types&(1<<i) == 0 {
			continue
		}
		name := strings.ToLower(dccpTypes[i])
		if i == 10 {
			text, exact = append(text, "10-15"), append(exact, "10")
		} else {
			text, exact = append(text, name), append(exact, name)
		}
		set.Elements = append(set.Elements, nftables.SetElement{Key: []byte{byte(i) << 1}})
	}
	exprs := append(x.needL4(protoDCCP), payload(expr.PayloadBaseTransportHeader, 8, 1),
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{0x1e}, Xor: []byte{0}})
	join := func(items []string) string {
		if len(items) == 1 {
			return "dccp type " + neq(m.TypesInvert) + items[0]
		}
		return fmt.Sprintf("dccp type %s{ %s }", neq(m.TypesInvert), strings.Join(items, ", "))
	}
	if len(set.Elements) == 1 {
		exprs = append(exprs, cmp(m.TypesInvert, set.Elements[0].Key))
	} else {
		exprs = append(exprs, x.addSet(set, m.TypesInvert))
	}
	if m.Types&(1<<10) == 0 {
		x.add(join(text), exprs...)
		return nil
	}
	x.addExact(join(text), join(exact), "which nft reads as types 10 to 15, while iptables' INVALID is type 10 alone", exprs...)
	return nil
}
