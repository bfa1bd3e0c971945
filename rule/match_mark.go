package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// MarkValue is a --mark VALUE[/MASK] test: (mark & Mask) == Value.
type MarkValue struct {
	Value, Mask uint32
	Invert      bool
	set         bool
}

// parseMark parses VALUE[/MASK]; numbers are decimal or 0x-hexadecimal and
// the mask defaults to all ones.
func (m *MarkValue) parseMark(p *parser, opt string, invert bool) error {
	if m.set {
		return argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return err
	}
	val, mask, hasMask := strings.Cut(v, "/")
	n, err := parseUint(val, 32)
	if err != nil {
		return argError(v, "bad mark value: %v", err)
	}
	m.Value, m.Mask = uint32(n), 0xffffffff
	if hasMask {
		k, err := parseUint(mask, 32)
		if err != nil {
			return argError(v, "bad mark mask: %v", err)
		}
		m.Mask = uint32(k)
	}
	m.Invert, m.set = invert, true
	return nil
}

// markArgs prints the test as iptables-save does: hexadecimal, the mask
// only when it is not all ones.
func (m *MarkValue) markArgs() []string {
	v := fmt.Sprintf("0x%x", m.Value)
	if m.Mask != 0xffffffff {
		v += fmt.Sprintf("/0x%x", m.Mask)
	}
	if m.Invert {
		return []string{"!", "--mark", v}
	}
	return []string{"--mark", v}
}

// xlateMark adds "WHAT [!= ]0xV" or "WHAT and 0xM ==|!= 0xV" after load.
func (m *MarkValue) xlateMark(x *xlator, what string, load expr.Any) {
	var buf [3]expr.Any
	x.addLazy(func() string { return m.markText(what) }, m.appendMarkExprs(buf[:0], load)...)
}

// markText is the text of the test: "WHAT [!= ]0xV" or
// "WHAT and 0xM ==|!= 0xV".
func (m *MarkValue) markText(what string) string {
	if m.Mask == 0xffffffff {
		return fmt.Sprintf("%s %s0x%x", what, neq(m.Invert), m.Value)
	}
	op := "=="
	if m.Invert {
		op = "!="
	}
	return fmt.Sprintf("%s and 0x%x %s 0x%x", what, m.Mask, op, m.Value)
}

// markExprs are the expressions of the test after load.
func (m *MarkValue) markExprs(load expr.Any) []expr.Any {
	return m.appendMarkExprs(nil, load)
}

// appendMarkExprs appends markExprs to dst.
func (m *MarkValue) appendMarkExprs(dst []expr.Any, load expr.Any) []expr.Any {
	if m.Mask == 0xffffffff {
		return append(dst, load, newCmp32(m.Invert, m.Value))
	}
	and, c := newMasked32(m.Invert, m.Mask, m.Value)
	return append(dst, load, and, c)
}

// MarkMatch is the mark match: the packet's firewall mark.
type MarkMatch struct{ MarkValue }

// Name returns "mark".
func (m *MarkMatch) Name() string   { return "mark" }
func (m *MarkMatch) stateful() bool { return false }

func (m *MarkMatch) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--mark" {
		return false, nil
	}
	return true, m.parseMark(p, opt, invert)
}

func (m *MarkMatch) finish(*Rule) error {
	if !m.set {
		return argError("-m mark", "needs --mark")
	}
	return nil
}

func (m *MarkMatch) args() []string { return m.markArgs() }

func (m *MarkMatch) appendArgs(b []byte) []byte {
	b = strconv.AppendUint(append(appendNot(b, m.Invert), " --mark 0x"...), uint64(m.Value), 16)
	if m.Mask != 0xffffffff {
		b = strconv.AppendUint(append(b, "/0x"...), uint64(m.Mask), 16)
	}
	return b
}

func (m *MarkMatch) xlate(x *xlator) error {
	m.xlateMark(x, "mark", meta(expr.MetaKeyMARK))
	return nil
}
