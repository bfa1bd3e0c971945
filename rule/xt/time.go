package xt

// TimeMatch is xt_time, revision 0 (struct xt_time_info).
var TimeMatch = register(&Ext{Kind: Match, Name: "time", Rev: 0, Families: BothFamilies, Size: 24})

// The flags of struct xt_time_info.
const (
	TimeLocalTZ    = 1 << 0 // XT_TIME_LOCAL_TZ
	TimeContiguous = 1 << 1 // XT_TIME_CONTIGUOUS
)

// Time is struct xt_time_info.
type Time struct {
	DateStart, DateStop, DaytimeStart, DaytimeStop, MonthDays uint32
	WeekDays, Flags                                           uint8
}

// Marshal encodes the info.
func (t Time) Marshal() []byte {
	b := newEnc(TimeMatch.Size)
	b.u32(0, t.DateStart)
	b.u32(4, t.DateStop)
	b.u32(8, t.DaytimeStart)
	b.u32(12, t.DaytimeStop)
	b.u32(16, t.MonthDays)
	b.u8(20, t.WeekDays)
	b.u8(21, t.Flags)
	return b
}

// DecodeTime decodes the info.
func DecodeTime(info []byte) (Time, error) {
	if err := checkLen(TimeMatch, info); err != nil {
		return Time{}, err
	}
	return Time{DateStart: host.Uint32(info), DateStop: host.Uint32(info[4:]), DaytimeStart: host.Uint32(info[8:]),
		DaytimeStop: host.Uint32(info[12:]), MonthDays: host.Uint32(info[16:]), WeekDays: info[20], Flags: info[21]}, nil
}
