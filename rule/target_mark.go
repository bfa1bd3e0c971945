package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// Mark is -j MARK: mark = (mark & ^Mask) ^ Value. Every spelling
// (--set-mark, --set-xmark, --and-mark, --or-mark, --xor-mark) is kept in
// this one form, which is how iptables-save prints it (--set-xmark V/M).
type Mark struct {
	Value, Mask uint32
	set         bool
}

func newMark(*Rule) (Target, error) { return &Mark{}, nil }

// Name returns "MARK".
func (m *Mark) Name() string { return "MARK" }

// parseXMark handles the options MARK and CONNMARK share; it reports
// false for other options.
func parseXMark(p *parser, opt string, value, mask *uint32) (bool, error) {
	switch opt {
	case "--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark":
	default:
		return false, nil
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	switch opt {
	case "--set-xmark", "--set-mark":
		val, msk, err := tgMarkMask(v)
		if err != nil {
			return true, err
		}
		*value, *mask = val, msk
		if opt == "--set-mark" {
			*mask = msk | val
		}
	default:
		n, err := tgUint(v, 0xffffffff)
		if err != nil {
			return true, err
		}
		bits := uint32(n)
		switch opt {
		case "--and-mark":
			*value, *mask = 0, ^bits
		case "--or-mark":
			*value, *mask = bits, bits
		case "--xor-mark":
			*value, *mask = bits, 0
		}
	}
	return true, nil
}

func (m *Mark) parse(p *parser, opt string, invert bool) (bool, error) {
	ok, err := parseXMark(p, opt, &m.Value, &m.Mask)
	if !ok || err != nil {
		return ok, err
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if m.set {
		return true, argError(opt, "MARK takes only one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark")
	}
	m.set = true
	return true, nil
}

func (m *Mark) finish(*Rule) error {
	if !m.set {
		return argError("-j MARK", "needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark")
	}
	return nil
}

func (m *Mark) args() []string {
	return []string{"--set-xmark", fmt.Sprintf("0x%x/0x%x", m.Value, m.Mask)}
}

func (m *Mark) xlate(x *xlator) error {
	text, exprs := xmark("mark", meta(expr.MetaKeyMARK), m.Value, m.Mask)
	x.add("meta mark set "+text, append(exprs, &expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1})...)
	return nil
}

// xmark translates x = (x & ^mask) ^ value as iptables-translate prints it
// (name is "mark" or "ct mark"; load loads it): the simplest of a constant,
// "and", "or", "xor", or "and M xor V"; the expressions leave the result in
// register 1.
func xmark(name string, load expr.Any, value, mask uint32) (string, []expr.Any) {
	switch {
	case mask == 0xffffffff:
		return fmt.Sprintf("0x%x", value), []expr.Any{&expr.Immediate{Register: 1, Data: ne32(value)}}
	case value == 0:
		return fmt.Sprintf("%s and 0x%x", name, ^mask), bitwiseMark(load, ^mask, 0)
	case value == mask:
		return fmt.Sprintf("%s or 0x%x", name, value), bitwiseMark(load, ^value, value)
	case mask == 0:
		return fmt.Sprintf("%s xor 0x%x", name, value), bitwiseMark(load, 0xffffffff, value)
	}
	return fmt.Sprintf("%s and 0x%x xor 0x%x", name, ^mask, value), bitwiseMark(load, ^mask, value)
}
