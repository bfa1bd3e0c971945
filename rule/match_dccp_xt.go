package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlate installs nft's statements, or the whole match as xt_dccp where
// nft has no exact statement (--dccp-option, an inverted port range).
func (m *DCCP) xlate(x *xlator) error { return xlateOrXt(x, m.xlateNative, m) }

// xtInfo encodes the match as struct xt_dccp_info, as libxt_dccp writes
// it: a flag for each option given, its negation in invflags, 0:0 for a
// port not given.
func (m *DCCP) xtInfo() (*xt.Ext, []byte) {
	d := xt.DCCP{TypeMask: m.Types, Option: m.Option}
	if m.Types&(1<<10) != 0 {
		d.TypeMask |= 0xfc00 // INVALID: types 10 to 15
	}
	d.SPorts, d.DPorts, d.InvFlags = m.xtPortsUnset(xt.DCCPSrcPorts, xt.DCCPDestPorts)
	for _, f := range []struct {
		on, invert bool
		bit        uint16
	}{
		{m.SPort.Set, false, xt.DCCPSrcPorts}, {m.DPort.Set, false, xt.DCCPDestPorts},
		{m.Types != 0, m.TypesInvert, xt.DCCPType}, {m.Option != 0, m.OptionInvert, xt.DCCPOption},
	} {
		if f.on {
			d.Flags |= f.bit
		}
		if f.invert {
			d.InvFlags |= f.bit
		}
	}
	return xt.DCCPMatch, d.Marshal()
}
