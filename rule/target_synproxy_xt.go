package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs SYNPROXY itself for --ecn: iptables-translate prints
// "synproxy ... ecn", which the installed nft (1.0.6) cannot read, so no
// native statement could be checked against nft's; the target runs the
// same nf_synproxy_core code.
func (s *SynProxy) xlateXt(x *xlator, text string) error {
	ext, info := s.xtInfo()
	return x.addXt(text, "which the installed nft cannot read", ext, info)
}

// xtInfo encodes the target as struct xt_synproxy_info.
func (s *SynProxy) xtInfo() (*xt.Ext, []byte) {
	info := xt.SynProxy{WScale: s.WScale, MSS: s.MSS}
	for _, f := range []struct {
		on  bool
		bit uint8
	}{{s.mssSet, xt.SynProxyMSS}, {s.wscaleSet, xt.SynProxyWScale}, {s.SackPerm, xt.SynProxySackPerm}, {s.Timestamp, xt.SynProxyTimestamp}, {s.ECN, xt.SynProxyECN}} {
		if f.on {
			info.Options |= f.bit
		}
	}
	return xt.SynProxyTarget, info.Marshal()
}
