package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct xt_tcpmss_info, for rules placed in
// iptables-nft's own tables.
func (t *TCPMSS) xtInfo() (*xt.Ext, []byte) {
	if t.Clamp {
		return xt.TCPMSSTarget, xt.TCPMSSInfo(xt.TCPMSSClampPMTU)
	}
	return xt.TCPMSSTarget, xt.TCPMSSInfo(t.MSS)
}
