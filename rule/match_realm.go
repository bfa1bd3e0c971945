package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// Realm is iptables' realm match: the routing realm (class id) of the
// packet's route, under a mask.
type Realm struct {
	ID, Mask uint32
	Invert   bool
	set      bool
}

func newRealm(r *Rule) (Match, error) {
	if r.Family != IPv4 {
		return nil, argError("realm", "is an iptables (IPv4) match")
	}
	return &Realm{}, nil
}

// Name returns "realm".
func (m *Realm) Name() string   { return "realm" }
func (m *Realm) stateful() bool { return false }

func (m *Realm) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--realm" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	// Realm names (/etc/iproute2/rt_realms) are host configuration: only
	// numbers are accepted.
	if m.ID, m.Mask, err = tgMarkMask(v); err != nil {
		return true, argError(v, "not a numeric realm[/mask] (realm names are not looked up)")
	}
	m.Invert, m.set = invert, true
	return true, nil
}

func (m *Realm) finish(*Rule) error {
	if !m.set {
		return argError("-m realm", "needs --realm")
	}
	return nil
}

func (m *Realm) args() []string {
	v := fmt.Sprintf("0x%x", m.ID)
	if m.Mask != 0xffffffff {
		v += fmt.Sprintf("/0x%x", m.Mask)
	}
	return invertArgs(m.Invert, "--realm", v)
}

func (m *Realm) xlate(x *xlator) error {
	load := meta(expr.MetaKeyRTCLASSID)
	if m.Mask == 0xffffffff {
		x.add(fmt.Sprintf("rtclassid %s0x%x", neq(m.Invert), m.ID), load, cmp(m.Invert, ne32(m.ID)))
		return nil
	}
	op := "=="
	if m.Invert {
		op = "!="
	}
	x.add(fmt.Sprintf("rtclassid and 0x%x %s 0x%x", m.Mask, op, m.ID),
		append([]expr.Any{load}, maskedCmp(m.Invert, ne32(m.Mask), ne32(m.ID))...)...)
	return nil
}
