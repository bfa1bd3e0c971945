package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlate installs nft's statements, or the whole match as xt_udp where a
// port range is inverted (nft cannot print it).
func (u *UDP) xlate(x *xlator) error { return xlateOrXt(x, u.xlateNative, u) }

// xtInfo encodes the match as struct xt_udp, as iptables writes it:
// iptables-nft writes it so for a udp match without ports (or with
// 0:65535 only), which placement needs.
func (u *UDP) xtInfo() (*xt.Ext, []byte) {
	sp, dp, inv := u.xtPorts(xt.UDPInvSrcPort, xt.UDPInvDstPort)
	return xt.UDPMatch, xt.UDP{SPorts: sp, DPorts: dp, Invert: inv}.Marshal()
}

// xtPorts returns the port ranges of an xt_tcp, xt_udp, xt_sctp or
// xt_dccp info (0:65535 for a port not tested, as their libxt_ modules
// initialise them) and the bits invSrc, invDst of the negated ones.
func (pm *ports) xtPorts(invSrc, invDst uint8) (sp, dp [2]uint16, inv uint8) {
	sp, dp = [2]uint16{0, 0xffff}, [2]uint16{0, 0xffff}
	for _, p := range []struct {
		m   PortMatch
		to  *[2]uint16
		inv uint8
	}{{pm.SPort, &sp, invSrc}, {pm.DPort, &dp, invDst}} {
		if p.m.Set {
			*p.to = [2]uint16{p.m.Lo, p.m.Hi}
			if p.m.Invert {
				inv |= p.inv
			}
		}
	}
	return sp, dp, inv
}

// xtPortsUnset is xtPorts for xt_sctp and xt_dccp, whose libxt_ modules
// leave a port not given at 0:0 (the kernel tests only the flagged ones),
// with the negation bits widened to their flags' type.
func (pm *ports) xtPortsUnset(invSrc, invDst uint8) (sp, dp [2]uint16, inv uint16) {
	sp, dp, i := pm.xtPorts(invSrc, invDst)
	if !pm.SPort.Set {
		sp = [2]uint16{}
	}
	if !pm.DPort.Set {
		dp = [2]uint16{}
	}
	return sp, dp, uint16(i)
}
