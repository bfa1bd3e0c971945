package rule

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nftsync/nftsync/rule/xt"
)

// Time is the time match: the packet's arrival time (UTC, or the kernel's
// timezone with --kerneltz) lies between DateStart and DateStop (seconds
// since 1970), its time of day between DaytimeStart and DaytimeStop
// (seconds since midnight; with Contiguous a period that wraps midnight is
// one period), on one of WeekDays (bit 1 Monday ... bit 7 Sunday) and
// MonthDays (bit N day N).
//
// iptables-translate prints "meta time/hour/day", which nft evaluates in
// the kernel's timezone for hour and day, and which drops --monthdays,
// --kerneltz and --contiguous: nftsync installs xt_time itself.
type Time struct {
	DateStart, DateStop, DaytimeStart, DaytimeStop, MonthDays uint32
	WeekDays                                                  uint8
	KernelTZ, Contiguous                                      bool
	seen                                                      map[string]bool
}

// The defaults of libxt_time's init: every day, all day, no date bounds.
const (
	timeAllMonthDays = 0xfffffffe
	timeAllWeekDays  = 0xfe
	timeMaxDaytime   = 24*60*60 - 1
)

var weekDayNames = [...]string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func newTime(*Rule) (Match, error) {
	return &Time{DateStop: math.MaxInt32, DaytimeStop: timeMaxDaytime, MonthDays: timeAllMonthDays, WeekDays: timeAllWeekDays}, nil
}

// Name returns "time".
func (m *Time) Name() string   { return "time" }
func (m *Time) stateful() bool { return false }

func (m *Time) parse(p *parser, opt string, invert bool) (bool, error) {
	name := strings.TrimPrefix(opt, "--")
	switch name {
	case "datestart", "datestop", "timestart", "timestop", "weekdays", "monthdays":
	case "contiguous", "localtz", "kerneltz", "utc":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.seen[name] {
			return true, argError(opt, "may only be given once")
		}
		if name == "utc" && (m.seen["localtz"] || m.seen["kerneltz"]) || name != "utc" && name != "contiguous" && m.seen["utc"] {
			return true, argError(opt, "cannot be combined with the other timezone option given")
		}
		m.mark(name)
		switch name {
		case "contiguous":
			m.Contiguous = true
		case "localtz", "kerneltz":
			m.KernelTZ = true
		}
		return true, nil
	default:
		return false, nil
	}
	if name != "weekdays" && name != "monthdays" {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	}
	v, err := p.onceValue(opt, m.seen[name])
	if err != nil {
		return true, err
	}
	m.mark(name)
	switch name {
	case "datestart", "datestop":
		d, err := timeParseDate(v)
		if err != nil {
			return true, err
		}
		if name == "datestart" {
			m.DateStart = d
		} else {
			m.DateStop = d
		}
	case "timestart", "timestop":
		d, err := timeParseDaytime(v)
		if err != nil {
			return true, err
		}
		if name == "timestart" {
			m.DaytimeStart = d
		} else {
			m.DaytimeStop = d
		}
	case "weekdays":
		d, err := timeParseWeekdays(v)
		if err != nil {
			return true, err
		}
		if invert {
			d ^= timeAllWeekDays
		}
		m.WeekDays = d
	case "monthdays":
		d, err := timeParseMonthdays(v)
		if err != nil {
			return true, err
		}
		if invert {
			d ^= timeAllMonthDays
		}
		m.MonthDays = d
	}
	return true, nil
}

func (m *Time) mark(name string) {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	m.seen[name] = true
}

func (m *Time) finish(*Rule) error {
	switch {
	case m.Contiguous && m.DaytimeStart < m.DaytimeStop:
		return argError("--contiguous", "only makes sense when --timestop is smaller than --timestart")
	case m.WeekDays == 0:
		return argError("--weekdays", "leaves no day of the week to match")
	case m.MonthDays == 0:
		return argError("--monthdays", "leaves no day of the month to match")
	}
	return nil
}

// args are in iptables-save order. iptables-save prints --datestop even
// at its default (it compares with LONG_MAX, the default is INT_MAX).
func (m *Time) args() []string {
	var out []string
	if m.DaytimeStart != 0 || m.DaytimeStop != timeMaxDaytime {
		out = append(out, "--timestart", daytime(m.DaytimeStart), "--timestop", daytime(m.DaytimeStop))
	}
	if m.MonthDays != timeAllMonthDays {
		var days []string
		for i := 1; i <= 31; i++ {
			if m.MonthDays&(1<<i) != 0 {
				days = append(days, fmt.Sprint(i))
			}
		}
		out = append(out, "--monthdays", strings.Join(days, ","))
	}
	if m.WeekDays != timeAllWeekDays {
		out = append(out, "--weekdays", strings.Join(m.weekdayNames(), ","))
	}
	if m.DateStart != 0 {
		out = append(out, "--datestart", utc(m.DateStart).Format("2006-01-02T15:04:05"))
	}
	out = append(out, "--datestop", utc(m.DateStop).Format("2006-01-02T15:04:05"))
	if m.KernelTZ {
		out = append(out, "--kerneltz")
	}
	if m.Contiguous {
		out = append(out, "--contiguous")
	}
	return out
}

func (m *Time) weekdayNames() []string {
	var out []string
	for i := 1; i <= 7; i++ {
		if m.WeekDays&(1<<i) != 0 {
			out = append(out, weekDayNames[i])
		}
	}
	return out
}

func utc(sec uint32) time.Time { return time.Unix(int64(sec), 0).UTC() }

func daytime(s uint32) string { return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60) }

func (m *Time) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	if m.MonthDays != timeAllMonthDays {
		return x.addXtOnly("nft's meta expressions have no day of the month", ext, info)
	}
	return x.addXt(m.text(), "which nft evaluates for hour and day in the kernel's timezone, not UTC, and which has no --kerneltz or --contiguous", ext, info)
}

// text is iptables-translate's.
func (m *Time) text() string {
	var parts []string
	if m.DateStart != 0 || m.DateStop != math.MaxInt32 {
		const f = `"2006-01-02 15:04:05"`
		parts = append(parts, "meta time "+utc(m.DateStart).Format(f)+"-"+utc(m.DateStop).Format(f))
	}
	if m.DaytimeStart != 0 || m.DaytimeStop != timeMaxDaytime {
		parts = append(parts, fmt.Sprintf(`meta hour "%s"-"%s"`, daytime(m.DaytimeStart), daytime(m.DaytimeStop)))
	}
	if m.WeekDays != timeAllWeekDays {
		var days []string
		for i := 1; i <= 7; i++ {
			if m.WeekDays&(1<<i) != 0 {
				days = append(days, fmt.Sprint(i%7))
			}
		}
		s := days[0]
		if len(days) > 1 {
			s = "{ " + strings.Join(days, ", ") + " }"
		}
		parts = append(parts, "meta day "+s)
	}
	return strings.Join(parts, " ")
}

// xtInfo encodes the match as struct xt_time_info.
func (m *Time) xtInfo() (*xt.Ext, []byte) {
	t := xt.Time{DateStart: m.DateStart, DateStop: m.DateStop, DaytimeStart: m.DaytimeStart, DaytimeStop: m.DaytimeStop,
		MonthDays: m.MonthDays, WeekDays: m.WeekDays}
	if m.KernelTZ {
		t.Flags |= xt.TimeLocalTZ
	}
	if m.Contiguous {
		t.Flags |= xt.TimeContiguous
	}
	return xt.TimeMatch, t.Marshal()
}
