package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
)

// GroupValue is a device group test: (group & Mask) == Value.
type GroupValue struct {
	Set         bool
	Value, Mask uint32
	Invert      bool
}

// DevGroup is the devgroup match: the device group of the input
// (--src-group) and/or output (--dst-group) interface.
type DevGroup struct {
	Src, Dst GroupValue
}

// Name returns "devgroup".
func (m *DevGroup) Name() string   { return "devgroup" }
func (m *DevGroup) stateful() bool { return false }

func (m *DevGroup) parse(p *parser, opt string, invert bool) (bool, error) {
	g := &m.Src
	switch opt {
	case "--src-group":
	case "--dst-group":
		g = &m.Dst
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, g.Set)
	if err != nil {
		return true, err
	}
	val, mask, hasMask := strings.Cut(v, "/")
	n, err := parseUint(val, 32)
	if err != nil {
		return true, argError(v, "bad group: %v", err)
	}
	*g = GroupValue{Set: true, Value: uint32(n), Mask: 0xffffffff, Invert: invert}
	if hasMask {
		k, err := parseUint(mask, 32)
		if err != nil {
			return true, argError(v, "bad group mask: %v", err)
		}
		g.Mask = uint32(k)
	}
	return true, nil
}

func (m *DevGroup) finish(*Rule) error {
	if !m.Src.Set && !m.Dst.Set {
		return argError("-m devgroup", "needs --src-group or --dst-group")
	}
	return nil
}

func (m *DevGroup) args() []string {
	var out []string
	for _, g := range []struct {
		opt string
		g   GroupValue
	}{{"--src-group", m.Src}, {"--dst-group", m.Dst}} {
		if !g.g.Set {
			continue
		}
		if g.g.Invert {
			out = append(out, "!")
		}
		v := fmt.Sprintf("0x%x", g.g.Value)
		if g.g.Mask != 0xffffffff {
			v += fmt.Sprintf("/0x%x", g.g.Mask)
		}
		out = append(out, g.opt, v)
	}
	return out
}

func (m *DevGroup) xlate(x *xlator) error {
	for _, g := range []struct {
		what string
		key  expr.MetaKey
		g    GroupValue
	}{{"iifgroup", expr.MetaKeyIIFGROUP, m.Src}, {"oifgroup", expr.MetaKeyOIFGROUP, m.Dst}} {
		if !g.g.Set {
			continue
		}
		mv := MarkValue{Value: g.g.Value, Mask: g.g.Mask, Invert: g.g.Invert}
		if g.key == expr.MetaKeyOIFGROUP && m.Src.Invert && !mv.Invert {
			// iptables-translate keeps the != of a negated
			// --src-group for --dst-group too.
			shown := mv
			shown.Invert = true
			x.addExact(shown.markText(g.what), mv.markText(g.what),
				"which tests the opposite: iptables-translate carries the ! of --src-group over to --dst-group",
				mv.markExprs(meta(g.key))...)
			continue
		}
		mv.xlateMark(x, g.what, meta(g.key))
	}
	return nil
}
