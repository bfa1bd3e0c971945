package rule

import (
	"strings"
	"time"
)

// cNum parses a run of decimal digits at the start of s as C's strtoul(s,
// &end, 10) does for the values libxt_time reads (no sign, no blanks):
// the number and the rest of s.
func cNum(s string) (uint64, string) {
	i := 0
	var n uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<40 {
		n = n*10 + uint64(s[i]-'0')
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++ // too large anyway: every field has a small bound
	}
	return n, s[i:]
}

// timeParseDate parses YYYY[-MM[-DD[Thh[:mm[:ss]]]]] as libxt_time does:
// into seconds since 1970 UTC, with C's mktime normalising a month or day
// of 0 into the previous one.
func timeParseDate(v string) (uint32, error) {
	bad := argError(v, "invalid date: should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]] between 1970 and 2038")
	fields := [6]uint64{0, 1, 1, 0, 0, 0}
	limits := [6]uint64{2038, 12, 31, 23, 59, 59}
	seps := [6]byte{'-', '-', 'T', ':', ':', 0}
	s := v
	for i := range fields {
		if i > 0 && s == "" {
			break
		}
		if i > 0 {
			s = s[1:]
		}
		n, rest := cNum(s)
		if rest != "" && (seps[i] == 0 || rest[0] != seps[i]) || n > limits[i] || i == 0 && n < 1970 {
			return 0, bad
		}
		fields[i], s = n, rest
	}
	t := time.Date(int(fields[0]), time.Month(fields[1]), int(fields[2]), int(fields[3]), int(fields[4]), int(fields[5]), 0, time.UTC).Unix()
	if t < 0 || t >= 1<<32 {
		return 0, bad
	}
	return uint32(t), nil
}

// timeParseDaytime parses hh:mm[:ss].
func timeParseDaytime(v string) (uint32, error) {
	bad := argError(v, "invalid time: should be hh:mm[:ss] between 00:00:00 and 23:59:59")
	h, rest := cNum(v)
	if !strings.HasPrefix(rest, ":") || h > 23 {
		return 0, bad
	}
	m, rest := cNum(rest[1:])
	if m > 59 {
		return 0, bad
	}
	var s uint64
	if rest != "" {
		if rest[0] != ':' {
			return 0, bad
		}
		if s, rest = cNum(rest[1:]); rest != "" || s > 59 {
			return 0, bad
		}
	}
	return uint32(h*3600 + m*60 + s), nil
}

// timeParseWeekdays parses a comma-separated list of days, 1 to 7 or
// names of which libxt_time compares the first two letters ("Mo", "Tu",
// ...); it reads at most three characters of each.
func timeParseWeekdays(v string) (uint8, error) {
	var mask uint8
	for _, d := range strings.Split(strings.TrimSuffix(v, ","), ",") {
		if len(d) > 3 {
			d = d[:3]
		}
		if n, rest := cNum(d); rest == "" {
			if n == 0 || n > 7 {
				return 0, argError(v, "%q is not a day of the week: 1 (Monday) to 7 (Sunday)", d)
			}
			mask |= 1 << n
			continue
		}
		found := false
		for i := 1; i < len(weekDayNames); i++ {
			if len(d) >= 2 && d[:2] == weekDayNames[i][:2] {
				mask |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, argError(v, "%q is not a day of the week (Mon,Tue,Wed,Thu,Fri,Sat,Sun or 1 to 7)", d)
		}
	}
	return mask, nil
}

// timeParseMonthdays parses a comma-separated list of days 1 to 31.
func timeParseMonthdays(v string) (uint32, error) {
	var mask uint32
	for _, d := range strings.Split(strings.TrimSuffix(v, ","), ",") {
		n, rest := cNum(d)
		// iptables reads a leading 0 as octal: "08" and "09" are not days.
		if d == "" || rest != "" || n == 0 || n > 31 || len(d) > 2 || d[0] == '0' && n > 7 {
			return 0, argError(v, "%q is not a day of the month (1 to 31)", d)
		}
		mask |= 1 << n
	}
	return mask, nil
}
