package rule

import (
	"github.com/nftsync/nftsync/rule/xt"
)

// Physdev is the physdev match: the bridge port a bridged packet came in
// by (In) or goes out by (Out), or whether it has such ports at all. Each
// bit of Bitmask is one option given, the same bit of Invert its "!".
//
// iptables-translate has no translation for it (nft's meta ibrname and
// obrname name the bridge, not the port): nftsync installs xt_physdev
// itself.
type Physdev struct {
	In, Out         string
	Bitmask, Invert uint8
}

// physdevOpts are the options in iptables-save order, with their bits.
var physdevOpts = []struct {
	name  string
	bit   uint8
	value bool
}{
	{"--physdev-is-in", xt.PhysdevIsIn, false},
	{"--physdev-in", xt.PhysdevIn, true},
	{"--physdev-is-out", xt.PhysdevIsOut, false},
	{"--physdev-out", xt.PhysdevOut, true},
	{"--physdev-is-bridged", xt.PhysdevBridged, false},
}

// Name returns "physdev".
func (m *Physdev) Name() string   { return "physdev" }
func (m *Physdev) stateful() bool { return false }

func (m *Physdev) parse(p *parser, opt string, invert bool) (bool, error) {
	for _, o := range physdevOpts {
		if o.name != opt {
			continue
		}
		if m.Bitmask&o.bit != 0 {
			return true, argError(opt, "may only be given once")
		}
		if o.value {
			v, err := p.value(opt)
			if err != nil {
				return true, err
			}
			if err := checkIface(v); err != nil {
				return true, argError(v, "%v", err)
			}
			if o.bit == xt.PhysdevIn {
				m.In = v
			} else {
				m.Out = v
			}
		}
		m.Bitmask |= o.bit
		if invert {
			m.Invert |= o.bit
		}
		return true, nil
	}
	return false, nil
}

func (m *Physdev) finish(*Rule) error {
	if m.Bitmask == 0 {
		return argError("-m physdev", "needs a --physdev option")
	}
	return nil
}

func (m *Physdev) args() []string {
	var out []string
	for _, o := range physdevOpts {
		if m.Bitmask&o.bit == 0 {
			continue
		}
		if m.Invert&o.bit != 0 {
			out = append(out, "!")
		}
		out = append(out, o.name)
		if o.bit == xt.PhysdevIn {
			out = append(out, m.In)
		} else if o.bit == xt.PhysdevOut {
			out = append(out, m.Out)
		}
	}
	return out
}

// hooks: xt_physdev refuses an output port test in OUTPUT unless the
// rule also requires the packet to be bridged.
func (m *Physdev) hooks() xt.Hooks {
	if m.Bitmask&(xt.PhysdevOut|xt.PhysdevIsOut) != 0 && (m.Bitmask&xt.PhysdevBridged == 0 || m.Invert&xt.PhysdevBridged != 0) {
		return xt.AllHooks &^ xt.LocalOut
	}
	return xt.AllHooks
}

func (m *Physdev) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m physdev; nft's meta ibrname/obrname name the bridge, not its port", ext, info)
}

// xtInfo encodes the match as struct xt_physdev_info.
func (m *Physdev) xtInfo() (*xt.Ext, []byte) {
	return xt.PhysdevMatch, xt.Physdev{In: m.In, Out: m.Out, Invert: m.Invert, Bitmask: m.Bitmask}.Marshal()
}
