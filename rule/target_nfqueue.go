package rule

import (
	"fmt"
	"strconv"
	"strings"
)

// NFQueue is -j NFQUEUE: hand the packet to a userspace queue (or spread
// over Total queues starting at Num).
type NFQueue struct {
	Num, Total     uint16
	Bypass, Fanout bool
	seen           map[string]bool
}

func newNFQueue(*Rule) (Target, error) { return &NFQueue{Total: 1}, nil }

// Name returns "NFQUEUE".
func (q *NFQueue) Name() string { return "NFQUEUE" }

func (q *NFQueue) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--queue-num", "--queue-balance", "--queue-bypass", "--queue-cpu-fanout":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	if q.seen[opt] {
		return true, argError(opt, "may only be given once")
	}
	q.seen[opt] = true
	switch opt {
	case "--queue-bypass":
		q.Bypass = true
	case "--queue-cpu-fanout":
		q.Fanout = true
	case "--queue-num":
		n, err := tgValue(p, opt, 0xffff)
		if err != nil {
			return true, err
		}
		q.Num = uint16(n)
	case "--queue-balance":
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		lo, hi, ok := strings.Cut(v, ":")
		a, errA := tgUint(lo, 0xffff)
		b, errB := tgUint(hi, 0xffff)
		if !ok || errA != nil || errB != nil || a >= b {
			return true, argError(v, "bad queue range (FIRST:LAST with FIRST < LAST)")
		}
		q.Num, q.Total = uint16(a), uint16(b-a+1)
	}
	return true, nil
}

func (q *NFQueue) finish(*Rule) error {
	switch {
	case q.seen["--queue-num"] && q.seen["--queue-balance"]:
		return argError("--queue-balance", "cannot be used together with --queue-num")
	case q.Fanout && !q.seen["--queue-balance"]:
		return argError("--queue-cpu-fanout", "needs --queue-balance")
	}
	return nil
}

func (q *NFQueue) args() []string {
	var out []string
	if q.Total > 1 {
		out = append(out, "--queue-balance", fmt.Sprintf("%d:%d", q.Num, q.Num+q.Total-1))
	} else {
		out = append(out, "--queue-num", strconv.Itoa(int(q.Num)))
	}
	if q.Bypass {
		out = append(out, "--queue-bypass")
	}
	if q.Fanout {
		out = append(out, "--queue-cpu-fanout")
	}
	return out
}

func (q *NFQueue) xlate(x *xlator) error {
	text := "queue num " + strconv.Itoa(int(q.Num))
	if q.Total > 1 {
		text += "-" + strconv.Itoa(int(q.Num+q.Total-1))
	}
	var flags []string
	if q.Bypass {
		flags = append(flags, "bypass")
	}
	if q.Fanout {
		flags = append(flags, "fanout")
	}
	if len(flags) > 0 {
		text += " " + strings.Join(flags, ",")
	}
	return q.xlateXt(x, text) // target_nfqueue_xt.go
}
