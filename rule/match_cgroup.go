package rule

import "github.com/google/nftables/expr"

// Cgroup is the cgroup match by net_cls class id (--cgroup); matching by
// cgroup v2 path (--path) is not supported.
type Cgroup struct{ metaValue }

// Name returns "cgroup".
func (m *Cgroup) Name() string   { return "cgroup" }
func (m *Cgroup) stateful() bool { return false }

func (m *Cgroup) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--cgroup":
		return true, m.parseValue(p, opt, invert)
	case "--path":
		return true, &ParseError{Arg: opt, Reason: "cgroup v2 paths are not supported", Err: ErrUnsupported}
	}
	return false, nil
}

func (m *Cgroup) finish(*Rule) error { return m.needValue("cgroup", "--cgroup") }
func (m *Cgroup) args() []string     { return m.valueArgs("--cgroup") }

func (m *Cgroup) xlate(x *xlator) error {
	m.xlateValue(x, "meta cgroup", expr.MetaKeyCGROUP)
	return nil
}
