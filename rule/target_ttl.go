package rule

import (
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// TTLTarget is -j TTL (IPv4) and -j HL (IPv6): set the TTL or hop limit, or
// raise or lower it by a value, saturating at 255 and 0.
//
// nft's "ip ttl set" would do the setting, but nothing in nft saturates,
// and iptables-translate has no text for either: the rule runs the target
// itself, which the kernel loads only in a table named mangle.
type TTLTarget struct {
	Mode  uint8 // xt.TTLSet, xt.TTLInc or xt.TTLDec
	Value uint8
	fam   Family
	given string // the option given, "" for none yet
}

func newTTLTarget(r *Rule) (Target, error) {
	if r.Family != IPv4 {
		return nil, argError("-j TTL", "is IPv4 only (ip6tables has -j HL)")
	}
	return &TTLTarget{fam: IPv4}, nil
}

func newHLTarget(r *Rule) (Target, error) {
	if r.Family != IPv6 {
		return nil, argError("-j HL", "is IPv6 only (iptables has -j TTL)")
	}
	return &TTLTarget{fam: IPv6}, nil
}

// Name returns "TTL" or "HL".
func (t *TTLTarget) Name() string {
	if t.fam == IPv6 {
		return "HL"
	}
	return "TTL"
}

// prefix is the options' prefix: "--ttl-" or "--hl-".
func (t *TTLTarget) prefix() string {
	if t.fam == IPv6 {
		return "--hl-"
	}
	return "--ttl-"
}

func (t *TTLTarget) parse(p *parser, opt string, invert bool) (bool, error) {
	modes := map[string]uint8{t.prefix() + "set": xt.TTLSet, t.prefix() + "inc": xt.TTLInc, t.prefix() + "dec": xt.TTLDec}
	mode, ok := modes[opt]
	if !ok {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if t.given == opt {
		return true, argError(opt, "may only be given once")
	}
	if t.given != "" {
		return true, argError(opt, "cannot be used together with %s", t.given)
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	n, err := tgUint(v, 0xff)
	if err != nil {
		return true, err
	}
	if n == 0 && mode != xt.TTLSet {
		return true, argError(v, "out of range (1-255)")
	}
	t.Mode, t.Value, t.given = mode, uint8(n), opt
	return true, nil
}

func (t *TTLTarget) finish(*Rule) error {
	if t.given == "" {
		return argError("-j "+t.Name(), "needs %sset, %sinc or %sdec", t.prefix(), t.prefix(), t.prefix())
	}
	return nil
}

func (t *TTLTarget) args() []string {
	return []string{t.prefix() + [...]string{"set", "inc", "dec"}[t.Mode], strconv.Itoa(int(t.Value))}
}

func (t *TTLTarget) xlate(x *xlator) error {
	ext, info := t.xtInfo()
	return x.addXtOnly("nft has no statement that raises or lowers the "+t.field()+" saturating", ext, info)
}

// field names what the target rewrites.
func (t *TTLTarget) field() string {
	if t.fam == IPv6 {
		return "hop limit"
	}
	return "TTL"
}

// xtInfo encodes the target as struct ipt_TTL_info or ip6t_HL_info.
func (t *TTLTarget) xtInfo() (*xt.Ext, []byte) {
	ext := xt.TTLTarget
	if t.fam == IPv6 {
		ext = xt.HLTarget
	}
	return ext, xt.TTL{Mode: t.Mode, Value: t.Value}.Marshal()
}
