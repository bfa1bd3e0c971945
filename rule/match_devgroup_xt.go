package rule

import "github.com/nftsync/nftsync/rule/xt"

// The devgroup match has an exact native form (iifgroup, oifgroup); its
// xtables form is what iptables-nft writes, for placement in iptables'
// own tables.

// xtInfo encodes the match as struct xt_devgroup_info: the groups and
// masks as given, as iptables writes them (the kernel masks both sides).
func (m *DevGroup) xtInfo() (*xt.Ext, []byte) {
	return xt.DevGroupMatch, m.xtDevGroup().Marshal()
}

func (m *DevGroup) xtDevGroup() xt.DevGroup {
	d := xt.DevGroup{SrcGroup: m.Src.Value, SrcMask: m.Src.Mask, DstGroup: m.Dst.Value, DstMask: m.Dst.Mask}
	for _, g := range []struct {
		g              GroupValue
		match, inverts uint32
	}{{m.Src, xt.DevGroupMatchSrc, xt.DevGroupInvertSrc}, {m.Dst, xt.DevGroupMatchDst, xt.DevGroupInvertDst}} {
		if g.g.Set {
			d.Flags |= g.match
			if g.g.Invert {
				d.Flags |= g.inverts
			}
		}
	}
	return d
}

// hooks are the hooks the kernel accepts the match from: --src-group
// needs an input device, --dst-group an output device. iptables refuses
// the rule elsewhere; so does nftsync, whichever form it installs.
func (m *DevGroup) hooks() xt.Hooks { return xt.DevGroupHooks(m.xtDevGroup().Flags) }
