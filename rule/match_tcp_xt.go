package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlate installs nft's statements, or the whole match as xt_tcp where a
// --tcp-flags test never or always holds (flags outside the mask, or
// "! --tcp-flags NONE NONE"): nft cannot say that exactly, xt_tcp does
// what iptables does with it.
func (t *TCP) xlate(x *xlator) error { return xlateOrXt(x, t.xlateNative, t) }

// xtInfo encodes the match as struct xt_tcp, as iptables writes it.
func (t *TCP) xtInfo() (*xt.Ext, []byte) {
	i := xt.TCP{Option: t.Option}
	i.SPorts, i.DPorts, i.Invert = t.xtPorts(xt.TCPInvSrcPort, xt.TCPInvDstPort)
	if t.OptionInvert {
		i.Invert |= xt.TCPInvOption
	}
	if t.FlagsSet {
		i.FlagMask, i.FlagCmp = t.FlagMask, t.FlagOn
		if t.FlagsInvert {
			i.Invert |= xt.TCPInvFlags
		}
	}
	return xt.TCPMatch, i.Marshal()
}
