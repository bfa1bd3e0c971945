package rule

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// RateEst is -j RATEEST --rateest-name NAME --rateest-interval TIME
// --rateest-ewmalog TIME: feed the packet to a named rate estimator, which
// -m rateest reads. nft has no such statement and iptables-translate no
// text: the rule runs the target itself, in any table.
//
// The kernel keeps one estimator per name in a namespace and refuses a
// rule that gives an existing name another interval or ewmalog.
type RateEst struct {
	Est      string // at most xt.RateEstNameMax bytes, as iptables truncates it
	Interval int8   // 2^Interval/4 seconds
	EWMALog  uint8  // 2^EWMALog intervals
	// interval and ewma are the times given, in microseconds: iptables
	// derives both fields from them once all options are read.
	interval, ewma uint32
	seen           map[string]bool
}

func newRateEst(*Rule) (Target, error) { return &RateEst{seen: map[string]bool{}}, nil }

// Name returns "RATEEST".
func (r *RateEst) Name() string { return "RATEEST" }

func (r *RateEst) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--rateest-name", "--rateest-interval", "--rateest-ewmalog":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, r.seen[opt])
	if err != nil {
		return true, err
	}
	r.seen[opt] = true
	switch opt {
	case "--rateest-name":
		r.Est = v[:min(len(v), xt.RateEstNameMax)]
	case "--rateest-interval":
		r.interval, err = rateEstTime(v)
	case "--rateest-ewmalog":
		r.ewma, err = rateEstTime(v)
	}
	return true, err
}

// rateEstTime parses a time as libxt_RATEEST does: a decimal number (as
// strtod reads it) of microseconds, or of seconds, milliseconds or
// microseconds when followed by s, sec, secs, ms, msec, msecs, us, usec or
// usecs (any case), truncated to whole microseconds.
func rateEstTime(v string) (uint32, error) {
	num, scale := v, 1.0
	lower := strings.ToLower(v)
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"usecs", 1}, {"usec", 1}, {"us", 1}, {"msecs", 1e3}, {"msec", 1e3}, {"ms", 1e3}, {"secs", 1e6}, {"sec", 1e6}, {"s", 1e6}} {
		if strings.HasSuffix(lower, u.suffix) {
			num, scale = v[:len(v)-len(u.suffix)], u.scale
			break
		}
	}
	// strtod's decimal forms only: no hexadecimal, inf or nan, no sign
	// (a negative time wraps in iptables), no digit separators.
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "xXpP_iInN+-") || num[0] == ' ' {
		return 0, argError(v, "bad time (a decimal number of microseconds, or with s, ms or us)")
	}
	t := f * scale
	if t >= 1<<32 {
		return 0, argError(v, "time too large")
	}
	return uint32(t), nil
}

// finish derives the fields as libxt_RATEEST's final check does: the
// smallest interval 2^i/4 s at least as long as the one given, and the
// ewma_log whose averaging time constant first exceeds the one given.
func (r *RateEst) finish(*Rule) error {
	for _, o := range []string{"--rateest-name", "--rateest-interval", "--rateest-ewmalog"} {
		if !r.seen[o] {
			return argError("-j RATEEST", "needs %s", o)
		}
	}
	i := 0
	for ; i <= 5; i++ {
		if uint64(r.interval) <= uint64(1<<i)*250000 {
			break
		}
	}
	if i > 5 {
		return argError("-j RATEEST", "--rateest-interval is too large (at most 8s)")
	}
	r.Interval = int8(i - 2)
	e := 1
	for ; e < 32; e++ {
		w := 1.0 - 1.0/float64(uint32(1)<<e)
		if float64(r.interval)/(-math.Log(w)) > float64(r.ewma) {
			break
		}
	}
	e--
	if e == 0 || e >= 31 {
		return argError("-j RATEEST", "--rateest-ewmalog is out of range for the interval")
	}
	r.EWMALog = uint8(e)
	return nil
}

// args print the times as iptables-save does, from the fields: what was
// given is rounded to them. The product wraps as iptables' unsigned int
// does.
func (r *RateEst) args() []string {
	interval := uint32((1000000 << (int(r.Interval) + 2)) / 4)
	ewma := interval * (uint32(1) << r.EWMALog)
	return []string{"--rateest-name", r.Est, "--rateest-interval", rateEstText(interval), "--rateest-ewmalog", rateEstText(ewma)}
}

// rateEstText prints a time in microseconds as libxt_RATEEST does.
func rateEstText(us uint32) string {
	switch {
	case us >= 1000000:
		return fmt.Sprintf("%.1fs", float64(us)/1e6)
	case us >= 1000:
		return fmt.Sprintf("%.1fms", float64(us)/1e3)
	}
	return fmt.Sprintf("%dus", us)
}

func (r *RateEst) xlate(x *xlator) error {
	ext, info := r.xtInfo()
	return x.addXtOnly("nft has no rate estimator", ext, info)
}

// xtInfo encodes the target as struct xt_rateest_target_info.
func (r *RateEst) xtInfo() (*xt.Ext, []byte) {
	return xt.RateEstTarget, xt.RateEst{Name: r.Est, Interval: r.Interval, EWMALog: r.EWMALog}.Marshal()
}
