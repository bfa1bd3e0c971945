package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// metaValue is a match on one host-order 32-bit meta key compared with a
// number: what the cpu and cgroup matches share.
type metaValue struct {
	Value  uint32
	Invert bool
	set    bool
}

func (m *metaValue) parseValue(p *parser, opt string, invert bool) error {
	if m.set {
		return argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return err
	}
	n, err := parseUint(v, 32)
	if err != nil {
		return argError(v, "not a number: %v", err)
	}
	m.Value, m.Invert, m.set = uint32(n), invert, true
	return nil
}

func (m *metaValue) needValue(module, opt string) error {
	if !m.set {
		return argError("-m "+module, "needs %s", opt)
	}
	return nil
}

func (m *metaValue) valueArgs(opt string) []string {
	out := []string{opt, strconv.FormatUint(uint64(m.Value), 10)}
	if m.Invert {
		return append([]string{"!"}, out...)
	}
	return out
}

func (m *metaValue) xlateValue(x *xlator, what string, key expr.MetaKey) {
	x.add(what+" "+neq(m.Invert)+strconv.FormatUint(uint64(m.Value), 10), meta(key), cmp(m.Invert, ne32(m.Value)))
}

// CPU is the cpu match: the CPU handling the packet.
type CPU struct{ metaValue }

// Name returns "cpu".
func (m *CPU) Name() string   { return "cpu" }
func (m *CPU) stateful() bool { return false }

func (m *CPU) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--cpu" {
		return false, nil
	}
	return true, m.parseValue(p, opt, invert)
}

func (m *CPU) finish(*Rule) error { return m.needValue("cpu", "--cpu") }
func (m *CPU) args() []string     { return m.valueArgs("--cpu") }

func (m *CPU) xlate(x *xlator) error {
	m.xlateValue(x, "cpu", expr.MetaKeyCPU)
	return nil
}
