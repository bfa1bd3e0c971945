package rule

import (
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Idletimer is -j IDLETIMER --timeout SECONDS --label NAME [--alarm]: (re)arm
// a timer named by the label, whose expiry the kernel reports through
// sysfs. nft has no such statement and iptables-translate no text: the
// rule runs the target itself, in any table.
//
// The kernel shares one timer per label among all rules, in every
// namespace, and refuses a rule whose --alarm differs from the existing
// timer's: a label is best kept unique to its owner.
type Idletimer struct {
	Timeout uint32
	Label   string // at most xt.IdletimerLabelMax bytes, as iptables truncates it
	Alarm   bool
	seen    map[string]bool
}

func newIdletimer(*Rule) (Target, error) { return &Idletimer{seen: map[string]bool{}}, nil }

// Name returns "IDLETIMER".
func (t *Idletimer) Name() string { return "IDLETIMER" }

func (t *Idletimer) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--timeout", "--label", "--alarm":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if t.seen[opt] {
		return true, argError(opt, "may only be given once")
	}
	t.seen[opt] = true
	switch opt {
	case "--alarm":
		t.Alarm = true
	case "--timeout":
		n, err := tgValue(p, opt, 0xffffffff)
		if err != nil {
			return true, err
		}
		t.Timeout = uint32(n)
	case "--label":
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		// iptables copies the first 27 bytes, silently.
		t.Label = v[:min(len(v), xt.IdletimerLabelMax)]
	}
	return true, nil
}

// idletimerReserved are the entries of the kernel's timers directory
// (/sys/class/xt_idletimer/timers) that a label cannot replace.
var idletimerReserved = map[string]bool{"power": true, "subsystem": true, "uevent": true}

// finish refuses what iptables and the kernel's checkentry refuse: a zero
// timeout or one of INT_MAX/1000 seconds or more, and a label that cannot
// name a sysfs file.
func (t *Idletimer) finish(*Rule) error {
	switch {
	case !t.seen["--timeout"]:
		return argError("-j IDLETIMER", "needs --timeout")
	case !t.seen["--label"]:
		return argError("-j IDLETIMER", "needs --label")
	case t.Timeout == 0 || t.Timeout >= 0x7fffffff/1000:
		return argError(strconv.FormatUint(uint64(t.Timeout), 10), "the kernel takes a --timeout of 1 to %d seconds", 0x7fffffff/1000-1)
	case t.Label == "" || strings.ContainsAny(t.Label, "/\x00") || t.Label == "." || t.Label == ".." || idletimerReserved[t.Label]:
		return argError(t.Label, "the kernel cannot name a timer file so (empty, '/', '.', '..', or one of power, subsystem, uevent)")
	}
	return nil
}

func (t *Idletimer) args() []string {
	out := []string{"--timeout", strconv.FormatUint(uint64(t.Timeout), 10), "--label", t.Label}
	if t.Alarm {
		out = append(out, "--alarm")
	}
	return out
}

func (t *Idletimer) xlate(x *xlator) error {
	ext, info := t.xtInfo()
	return x.addXtOnly("nft has no idle timer", ext, info)
}

// xtInfo encodes the target as struct idletimer_tg_info_v1.
func (t *Idletimer) xtInfo() (*xt.Ext, []byte) {
	info := xt.Idletimer{Timeout: t.Timeout, Label: t.Label}
	if t.Alarm {
		info.TimerType = xt.IdletimerAlarm
	}
	return xt.IdletimerTarget, info.Marshal()
}
