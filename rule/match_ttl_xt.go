package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct ipt_ttl_info or ip6t_hl_info:
// "! --ttl-eq" is its own mode. nft's comparison is exact, so this form
// is only for rules placed in iptables' own tables.
func (m *TTL) xtInfo() (*xt.Ext, []byte) {
	mode := map[string]uint8{"eq": xt.TTLEq, "lt": xt.TTLLt, "gt": xt.TTLGt}[m.Op]
	if m.Invert {
		mode = xt.TTLNe
	}
	ext := xt.TTLMatch
	if m.V6 {
		ext = xt.HLMatch
	}
	return ext, xt.TTLCmp{Mode: mode, Value: m.Value}.Marshal()
}
