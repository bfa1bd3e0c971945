package rule

import (
	"strconv"

	"github.com/google/nftables/expr"
)

// Cgroup is the cgroup match by net_cls class id (--cgroup); matching by
// cgroup v2 path (--path) is not supported.
type Cgroup struct {
	ClassID uint32
	Invert  bool
	set     bool
}

// Name returns "cgroup".
func (m *Cgroup) Name() string   { return "cgroup" }
func (m *Cgroup) stateful() bool { return false }

func (m *Cgroup) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--cgroup":
	case "--path":
		return true, &ParseError{Arg: opt, Reason: "cgroup v2 paths are not supported", Err: ErrUnsupported}
	default:
		return false, nil
	}
	if m.set {
		return true, argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	n, err := parseUint(v, 32)
	if err != nil {
		return true, argError(v, "bad class id: %v", err)
	}
	m.ClassID, m.Invert, m.set = uint32(n), invert, true
	return true, nil
}

func (m *Cgroup) finish(*Rule) error {
	if !m.set {
		return argError("-m cgroup", "needs --cgroup")
	}
	return nil
}

func (m *Cgroup) args() []string {
	out := []string{"--cgroup", strconv.FormatUint(uint64(m.ClassID), 10)}
	if m.Invert {
		return append([]string{"!"}, out...)
	}
	return out
}

func (m *Cgroup) xlate(x *xlator) error {
	x.add("meta cgroup "+neq(m.Invert)+strconv.FormatUint(uint64(m.ClassID), 10),
		meta(expr.MetaKeyCGROUP), cmp(m.Invert, ne32(m.ClassID)))
	return nil
}
