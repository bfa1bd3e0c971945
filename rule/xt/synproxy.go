package xt

// SynProxyTarget is xt_SYNPROXY, revision 0 (struct xt_synproxy_info),
// which iptables 1.8.9 uses in both families, from INPUT and FORWARD; its
// checkentry wants -p tcp (from NFTA_RULE_COMPAT).
var SynProxyTarget = register(&Ext{Kind: Target, Name: "SYNPROXY", Rev: 0, Families: BothFamilies,
	Hooks: LocalIn | Forward, Size: 8})

// The bits of SynProxy.Options (XT_SYNPROXY_OPT_*).
const (
	SynProxyMSS, SynProxyWScale, SynProxySackPerm, SynProxyTimestamp, SynProxyECN = 0x01, 0x02, 0x04, 0x08, 0x10
)

// SynProxy is struct xt_synproxy_info.
type SynProxy struct {
	Options, WScale uint8
	MSS             uint16
}

// Marshal encodes the info.
func (s SynProxy) Marshal() []byte {
	b := newEnc(SynProxyTarget.Size)
	b.u8(0, s.Options)
	b.u8(1, s.WScale)
	b.u16(2, s.MSS)
	return b
}
