package xt

// RateestMatch is xt_rateest, revision 0 (struct xt_rateest_match_info):
// the kernel finds the estimators (made by -j RATEEST) by name when the
// rule is added, and refuses the rule when one does not exist.
var RateestMatch = register(&Ext{Kind: Match, Name: "rateest", Rev: 0, Families: BothFamilies, Size: 72})

// The flags and modes of struct xt_rateest_match_info.
const (
	RateestInvert = 1 << 0 // XT_RATEEST_MATCH_INVERT
	RateestAbs    = 1 << 1 // XT_RATEEST_MATCH_ABS
	RateestRel    = 1 << 2 // XT_RATEEST_MATCH_REL
	RateestDelta  = 1 << 3 // XT_RATEEST_MATCH_DELTA
	RateestBPS    = 1 << 4 // XT_RATEEST_MATCH_BPS
	RateestPPS    = 1 << 5 // XT_RATEEST_MATCH_PPS

	RateestEq = 1 // XT_RATEEST_MATCH_EQ
	RateestLt = 2 // XT_RATEEST_MATCH_LT
	RateestGt = 3 // XT_RATEEST_MATCH_GT
)

// Rateest is struct xt_rateest_match_info; the kernel's estimator
// pointers stay zero. Rates are in bytes per second.
type Rateest struct {
	Name1, Name2           string
	Flags, Mode            uint16
	BPS1, PPS1, BPS2, PPS2 uint32
}

// Marshal encodes the info.
func (r Rateest) Marshal() []byte {
	b := newEnc(RateestMatch.Size)
	b.bytes(0, []byte(r.Name1))
	b.bytes(16, []byte(r.Name2))
	b.u16(32, r.Flags)
	b.u16(34, r.Mode)
	b.u32(36, r.BPS1)
	b.u32(40, r.PPS1)
	b.u32(44, r.BPS2)
	b.u32(48, r.PPS2)
	return b
}

// DecodeRateest decodes the info.
func DecodeRateest(info []byte) (Rateest, error) {
	if err := checkLen(RateestMatch, info); err != nil {
		return Rateest{}, err
	}
	return Rateest{Name1: cString(info[:16]), Name2: cString(info[16:32]), Flags: host.Uint16(info[32:]), Mode: host.Uint16(info[34:]),
		BPS1: host.Uint32(info[36:]), PPS1: host.Uint32(info[40:]), BPS2: host.Uint32(info[44:]), PPS2: host.Uint32(info[48:])}, nil
}
