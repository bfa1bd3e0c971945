package xt

// TCPMSSTarget is xt_TCPMSS, revision 0 (struct xt_tcpmss_info), which
// iptables 1.8.9 uses in both families. The kernel registers it for
// protocol tcp (it takes the -p of NFTA_RULE_COMPAT) and, with
// --clamp-mss-to-pmtu, accepts it only from FORWARD, OUTPUT and
// POSTROUTING, which its checkentry tests. In nftsync's tables TCPMSS is
// nft's native "tcp option maxseg size set"; this form is for rules placed
// in iptables-nft's own tables.
var TCPMSSTarget = register(&Ext{Kind: Target, Name: "TCPMSS", Rev: 0, Families: BothFamilies, Size: 8})

// TCPMSSClampPMTU is the MSS value that means --clamp-mss-to-pmtu
// (XT_TCPMSS_CLAMP_PMTU).
const TCPMSSClampPMTU = 0xffff

// TCPMSSInfo returns struct xt_tcpmss_info: the MSS, or TCPMSSClampPMTU.
func TCPMSSInfo(mss uint16) []byte {
	b := newEnc(TCPMSSTarget.Size)
	b.u16(0, mss)
	return b
}
