package xt

// StatisticMatch is xt_statistic, revision 0 (struct xt_statistic_info).
// Its last field is a kernel pointer (the shared nth counter) beyond the
// match's usersize: written zero, dumped zero.
var StatisticMatch = register(&Ext{Kind: Match, Name: "statistic", Rev: 0, Families: BothFamilies, Size: 24})

// The values of Statistic.Mode and the bit of Statistic.Flags.
const (
	StatisticModeRandom = 0
	StatisticModeNth    = 1
	StatisticInvert     = 0x1
)

// Statistic is struct xt_statistic_info. Random mode matches when a
// random 31-bit number is below Probability (round(p * 2^31)). Nth mode
// stores iptables' --every minus one in Every and --packet in Packet; the
// kernel starts its counter at Count, which iptables sets to Every -
// Packet, and matches when the counter wraps past Every to 0.
// libxt_statistic computes Count in random mode too, from the union's
// first word (Probability) and a zero Packet: the kernel ignores it
// there, but it is part of the bytes.
type Statistic struct {
	Mode, Flags          uint16
	Probability          uint32 // random mode
	Every, Packet, Count uint32 // nth mode; Count in both
}

// Marshal encodes the info.
func (s Statistic) Marshal() []byte {
	b := newEnc(StatisticMatch.Size)
	b.u16(0, s.Mode)
	b.u16(2, s.Flags)
	b.u32(12, s.Count)
	if s.Mode == StatisticModeRandom {
		b.u32(4, s.Probability)
		return b
	}
	b.u32(4, s.Every)
	b.u32(8, s.Packet)
	return b
}
