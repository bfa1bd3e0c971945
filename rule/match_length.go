package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// Length is the length match: the packet's layer-3 length (header and
// payload) within an inclusive range.
type Length struct {
	Min, Max uint16
	Invert   bool
	set      bool
}

// Name returns "length".
func (l *Length) Name() string   { return "length" }
func (l *Length) stateful() bool { return false }

func (l *Length) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--length" {
		return false, nil
	}
	v, err := p.onceValue(opt, l.set)
	if err != nil {
		return true, err
	}
	// An inverted range, which iptables-legacy accepts, runs as
	// xt_length (see xlateNative).
	lo, hi, err := parseUintBounds(v, 16)
	if err != nil {
		return true, err
	}
	l.Min, l.Max, l.Invert, l.set = uint16(lo), uint16(hi), invert, true
	return true, nil
}

func (l *Length) finish(*Rule) error {
	if !l.set {
		return argError("-m length", "needs --length")
	}
	return nil
}

func (l *Length) args() []string {
	v := fmt.Sprint(l.Min)
	if l.Min != l.Max {
		v = fmt.Sprintf("%d:%d", l.Min, l.Max)
	}
	if l.Invert {
		return []string{"!", "--length", v}
	}
	return []string{"--length", v}
}

// xlateNative appends nft's statement, or fails with ErrUnsupported for an
// inverted range, which nft refuses and xt_length never matches (negated,
// always).
func (l *Length) xlateNative(x *xlator) error {
	if l.Min > l.Max {
		return unsupported("the inverted range %d:%d", l.Min, l.Max)
	}
	v := fmt.Sprint(l.Min)
	if l.Min != l.Max {
		v = fmt.Sprintf("%d-%d", l.Min, l.Max)
	}
	x.add("meta length "+neq(l.Invert)+v,
		append([]expr.Any{meta(expr.MetaKeyLEN)}, hostValueCmp(l.Invert, uint32(l.Min), uint32(l.Max))...)...)
	return nil
}
