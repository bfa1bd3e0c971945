package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

const protoDCCP = 33

// dccpTypes are the packet type names of --dccp-types, by type number.
var dccpTypes = []string{"REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"}

// DCCP is the dccp match: source and destination port ranges, the
// packet type and an option.
type DCCP struct {
	ports
	// Types has bit N set for type N (bit 10, INVALID, is type 10 only).
	Types       uint16
	TypesInvert bool
	// Option is --dccp-option N (0: none): the packet carries option N.
	Option       uint8
	OptionInvert bool
}

// Name returns "dccp".
func (m *DCCP) Name() string   { return "dccp" }
func (m *DCCP) stateful() bool { return false }

func (m *DCCP) parse(p *parser, opt string, invert bool) (bool, error) {
	if ok, err := m.parsePorts(p, opt, invert, ""); ok || err != nil {
		return ok, err
	}
	if opt == "--dccp-option" {
		v, err := p.onceValue(opt, m.Option != 0)
		if err != nil {
			return true, err
		}
		n, ok := strtoul(v)
		if !ok || n == 0 || n > 255 {
			return true, argError(v, "DCCP option must be a number from 1 to 255")
		}
		m.Option, m.OptionInvert = uint8(n), invert
		return true, nil
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
	out := m.portArgs(true)
	if m.Types != 0 {
		var names []string
		for i, t := range dccpTypes {
			if m.Types&(1<<i) != 0 {
				names = append(names, t)
			}
		}
		out = append(out, invertArgs(m.TypesInvert, "--dccp-types", strings.Join(names, ","))...)
	}
	if m.Option != 0 {
		out = append(out, invertArgs(m.OptionInvert, "--dccp-option", strconv.Itoa(int(m.Option)))...)
	}
	return out
}

// xlateNative: libxt_dccp writes INVALID as the types 10 to 15 (bits 10
// to 15 of the kernel's mask), as iptables-translate prints it. An option
// (iptables-translate has no text for it) or an inverted port range fail
// with ErrUnsupported: xlate then installs xt_dccp.
func (m *DCCP) xlateNative(x *xlator) error {
	if m.Option != 0 {
		return fmt.Errorf("--dccp-option: %w", ErrUnsupported)
	}
	if err := m.invertedRange(); err != nil {
		return err
	}
	printed := m.xlatePorts(x, "dccp", protoDCCP)
	if m.Types == 0 {
		if !printed {
			x.l4Only("dccp", protoDCCP)
		}
		return nil
	}
	exprs := append(x.needL4(protoDCCP), payload(expr.PayloadBaseTransportHeader, 8, 1),
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{0x1e}, Xor: []byte{0}})
	if m.Types == 1<<10 {
		x.add("dccp type "+neq(m.TypesInvert)+"10-15", append(exprs, rangeCmp(m.TypesInvert, []byte{10 << 1}, []byte{15 << 1})...)...)
		return nil
	}
	var text []string
	set := &AnonSet{KeyType: nftables.TypeDCCPPktType}
	for i := range dccpTypes {
		if m.Types&(1<<i) != 0 {
			text = append(text, strings.ToLower(dccpTypes[i]))
			set.Elements = append(set.Elements, nftables.SetElement{Key: []byte{byte(i) << 1}})
		}
	}
	if m.Types&(1<<10) != 0 {
		text[len(text)-1] = "10-15"
		set.Interval, set.Elements = true, dccpTypeIntervals(m.Types)
	}
	if len(set.Elements) == 1 {
		x.add("dccp type "+neq(m.TypesInvert)+text[0], append(exprs, cmp(m.TypesInvert, set.Elements[0].Key))...)
		return nil
	}
	x.add(fmt.Sprintf("dccp type %s{ %s }", neq(m.TypesInvert), strings.Join(text, ", ")), append(exprs, x.addSet(set, m.TypesInvert))...)
	return nil
}

// dccpTypeIntervals is the interval set nft makes of types with INVALID
// (10-15): runs of adjacent types merged, each from type<<1 (the field
// sits above bit 0) to the end (last<<1)+1, after an end at 0 when the
// first run does not start at type 0.
func dccpTypeIntervals(types uint16) []nftables.SetElement {
	mask := uint32(types)
	if mask&(1<<10) != 0 {
		mask |= 0xfc00
	}
	var out []nftables.SetElement
	if mask&1 == 0 {
		out = append(out, nftables.SetElement{Key: []byte{0}, IntervalEnd: true})
	}
	for t := 0; t < 16; t++ {
		if mask&(1<<t) == 0 || (t > 0 && mask&(1<<(t-1)) != 0) {
			continue
		}
		end := t
		for end+1 < 16 && mask&(1<<(end+1)) != 0 {
			end++
		}
		out = append(out, nftables.SetElement{Key: []byte{byte(t) << 1}}, nftables.SetElement{Key: []byte{byte(end)<<1 + 1}, IntervalEnd: true})
	}
	return out
}
