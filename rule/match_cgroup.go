package rule

import (
	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// Cgroup is the cgroup match: the net_cls class id (--cgroup) or the
// cgroup v2 path (--path) of the packet's socket. iptables refuses both
// in one match (the kernel does).
type Cgroup struct {
	metaValue
	// Path is --path: a cgroup v2 path, relative to the root of the cgroup
	// namespace of the process that adds the rule.
	Path       string
	PathSet    bool
	PathInvert bool
}

// Name returns "cgroup".
func (m *Cgroup) Name() string   { return "cgroup" }
func (m *Cgroup) stateful() bool { return false }

func (m *Cgroup) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--cgroup":
		if m.PathSet {
			return true, argError(opt, "cannot be combined with --path")
		}
		return true, m.parseValue(p, opt, invert)
	case "--path":
		if m.set {
			return true, argError(opt, "cannot be combined with --cgroup")
		}
		v, err := p.onceValue(opt, m.PathSet)
		if err != nil {
			return true, err
		}
		// libxt_cgroup copies at most XT_CGROUP_PATH_MAX-1 bytes: the
		// kernel sees (and iptables-save prints) the path cut there.
		if len(v) >= xt.CgroupPathMax {
			v = v[:xt.CgroupPathMax-1]
		}
		m.Path, m.PathSet, m.PathInvert = v, true, invert
		return true, nil
	}
	return false, nil
}

func (m *Cgroup) finish(*Rule) error {
	if m.PathSet {
		return nil
	}
	return m.needValue("cgroup", "--cgroup or --path")
}

func (m *Cgroup) args() []string {
	if m.PathSet {
		return invertArgs(m.PathInvert, "--path", m.Path)
	}
	return m.valueArgs("--cgroup")
}

// xlate translates --cgroup natively (meta cgroup). nft has no statement
// for --path: "socket cgroupv2 level N" compares an ancestor at a fixed
// level, not the socket's cgroup or any descendant of the path as
// xt_cgroup does, and iptables-translate has no translation; nftsync
// installs xt_cgroup itself.
func (m *Cgroup) xlate(x *xlator) error {
	if m.PathSet {
		ext, info := m.xtInfo()
		return x.addXtOnly("it has no translation for -m cgroup --path", ext, info)
	}
	m.xlateValue(x, "meta cgroup", expr.MetaKeyCGROUP)
	return nil
}

// xtInfo encodes the match as struct xt_cgroup_info_v2, as iptables 1.8.9
// writes both options.
func (m *Cgroup) xtInfo() (*xt.Ext, []byte) {
	c := xt.Cgroup{HasPath: m.PathSet, InvertPath: m.PathInvert, Path: m.Path}
	if !m.PathSet {
		c.HasClassID, c.InvertClassID, c.ClassID = true, m.Invert, m.Value
	}
	return xt.CgroupMatch, c.Marshal()
}
