package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct xt_cpu_info; nft's meta cpu is exact,
// so this form is only for rules placed in iptables' own tables.
func (m *CPU) xtInfo() (*xt.Ext, []byte) {
	return xt.CPUMatch, xt.CPU{CPU: m.Value, Invert: m.Invert}.Marshal()
}
