package rule

import "github.com/nftsync/nftsync/rule/xt"

// The state match has an exact native form (ct state) for any state but
// none; iptables-nft writes it as libxt_conntrack's state alias:
// xt_conntrack's info with only the state set and
// XT_CONNTRACK_STATE_ALIAS, which iptables-save prints as -m state.

// xtInfo encodes the match as struct xt_conntrack_mtinfo3.
func (s *State) xtInfo() (*xt.Ext, []byte) {
	k := xt.Conntrack{MatchFlags: xt.CtState | xt.CtStateAlias}
	if s.Invert {
		k.InvertFlags = xt.CtState
	}
	for bit, kbit := range ctKernelStates {
		if s.Mask&bit != 0 {
			k.StateMask |= kbit
		}
	}
	return xt.ConntrackMatch, k.Marshal()
}
