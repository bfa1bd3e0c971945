package xt

import "net/netip"

// TEETarget is xt_TEE, revision 1 (struct xt_tee_tginfo), which iptables
// 1.8.9 uses in both families.
var TEETarget = register(&Ext{Kind: Target, Name: "TEE", Rev: 1, Families: BothFamilies, Size: 40})

// TEEOifMax is the longest --oif: IFNAMSIZ less the NUL.
const TEEOifMax = 15

// TEE is struct xt_tee_tginfo: the gateway (an IPv4 address in the first
// 4 bytes of union nf_inet_addr) and the output interface's name. The
// kernel-private pointer (at offset 32) stays zero, as the kernel dumps
// it.
type TEE struct {
	Gateway netip.Addr
	Oif     string
}

// Marshal encodes the info.
func (t TEE) Marshal() []byte {
	b := newEnc(TEETarget.Size)
	b.bytes(0, t.Gateway.AsSlice())
	b.bytes(16, []byte(t.Oif[:min(len(t.Oif), TEEOifMax)]))
	return b
}
