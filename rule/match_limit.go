package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// limitScale is iptables' XT_LIMIT_SCALE: a limit is stored as the average
// time between packets in 1/10000 s.
const limitScale = 10000

// DefaultLimitBurst is iptables' default --limit-burst.
const DefaultLimitBurst = 5

// limitUnits are the units iptables accepts, with their length in seconds,
// the abbreviation iptables-save prints and nft's name; largest first.
var limitUnits = []struct {
	name, save, nft string
	secs            uint32
}{{"day", "day", "day", 86400}, {"hour", "hour", "hour", 3600}, {"minute", "min", "minute", 60}, {"second", "sec", "second", 1}}

// Limit is the limit match: a token bucket. It is stateful: it consumes a
// token for every packet that reaches it.
type Limit struct {
	// Period is the average time between packets in 1/10000 s.
	Period uint32
	Burst  uint32
}

func newLimit(*Rule) (Match, error) {
	return &Limit{Period: limitScale * 3600 / 3, Burst: DefaultLimitBurst}, nil
}

// Name returns "limit".
func (l *Limit) Name() string   { return "limit" }
func (l *Limit) stateful() bool { return true }

func (l *Limit) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--limit" && opt != "--limit-burst" {
		return false, nil
	}
	if invert {
		return true, argError(opt, "cannot be negated")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if opt == "--limit-burst" {
		n, err := parseUint(v, 32)
		if err != nil || n > 10000 {
			return true, argError(v, "burst must be a number from 0 to 10000")
		}
		l.Burst = uint32(n)
		return true, nil
	}
	num, unit, hasUnit := strings.Cut(v, "/")
	mult := uint32(1)
	if hasUnit {
		found := false
		for _, u := range limitUnits {
			if unit != "" && strings.HasPrefix(u.name, strings.ToLower(unit)) {
				mult, found = u.secs, true
				break
			}
		}
		if !found {
			return true, argError(v, "bad rate unit (second, minute, hour or day)")
		}
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil || n == 0 {
		return true, argError(v, "bad rate (a positive number of packets per unit)")
	}
	period := uint64(limitScale) * uint64(mult) / n
	if period == 0 {
		return true, argError(v, "rate too fast (at most %d/second)", limitScale)
	}
	l.Period = uint32(period)
	return true, nil
}

func (l *Limit) finish(*Rule) error { return nil }

// rate returns the rate and unit iptables prints for the period: the
// largest unit that divides into a whole number without too much loss.
func (l *Limit) rate() (uint32, int) {
	// iptables walks day, hour, minute, second and stops at the first unit
	// the period exceeds, or that it divides too roughly.
	p := uint64(l.Period)
	i := 1
	for ; i < len(limitUnits); i++ {
		u := uint64(limitUnits[i].secs) * limitScale
		if p > u || u/p < u%p {
			break
		}
	}
	return uint32(uint64(limitUnits[i-1].secs) * limitScale / p), i - 1
}

func (l *Limit) args() []string {
	n, u := l.rate()
	out := []string{"--limit", fmt.Sprintf("%d/%s", n, limitUnits[u].save)}
	if l.Burst != DefaultLimitBurst {
		out = append(out, "--limit-burst", strconv.FormatUint(uint64(l.Burst), 10))
	}
	return out
}

func (l *Limit) xlate(x *xlator) error {
	n, u := l.rate()
	text := fmt.Sprintf("limit rate %d/%s", n, limitUnits[u].nft)
	burst := l.Burst
	if burst != 0 {
		text += fmt.Sprintf(" burst %d packets", burst)
	} else {
		burst = DefaultLimitBurst // nft's default when no burst is written
	}
	x.add(text, &expr.Limit{Type: expr.LimitTypePkts, Rate: uint64(n), Unit: expr.LimitTime(limitUnits[u].secs), Burst: burst})
	return nil
}
