package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the match as struct xt_statistic_info, as libxt_statistic
// fills it: --every n is stored as n-1 and the counter starts at
// (n-1) - packet (in random mode: the probability, see xt.Statistic). nft's numgen and meta random say the same exactly, so
// this form is only for rules placed in iptables' own tables.
func (m *Statistic) xtInfo() (*xt.Ext, []byte) {
	s := xt.Statistic{Mode: xt.StatisticModeNth}
	if m.Invert {
		s.Flags = xt.StatisticInvert
	}
	if m.Random {
		s.Mode, s.Probability, s.Count = xt.StatisticModeRandom, m.Prob, m.Prob
	} else {
		s.Every, s.Packet = m.Every-1, m.Packet
		s.Count = s.Every - s.Packet
	}
	return xt.StatisticMatch, s.Marshal()
}
