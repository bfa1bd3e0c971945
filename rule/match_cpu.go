package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// CPU is the cpu match: the CPU handling the packet.
type CPU struct {
	CPU    uint32
	Invert bool
	set    bool
}

// Name returns "cpu".
func (m *CPU) Name() string   { return "cpu" }
func (m *CPU) stateful() bool { return false }

func (m *CPU) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--cpu" {
		return false, nil
	}
	if m.set {
		return true, argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return true, argError(v, "not a CPU number")
	}
	m.CPU, m.Invert, m.set = uint32(n), invert, true
	return true, nil
}

func (m *CPU) finish(*Rule) error {
	if !m.set {
		return argError("-m cpu", "needs --cpu")
	}
	return nil
}

func (m *CPU) args() []string {
	out := []string{"--cpu", strconv.FormatUint(uint64(m.CPU), 10)}
	if m.Invert {
		return append([]string{"!"}, out...)
	}
	return out
}

func (m *CPU) xlate(x *xlator) error {
	x.add("cpu "+neq(m.Invert)+strconv.FormatUint(uint64(m.CPU), 10), meta(expr.MetaKeyCPU), cmp(m.Invert, ne32(m.CPU)))
	return nil
}
