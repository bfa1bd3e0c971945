package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// ipv6Opts are the options of an IPv6 options header match (hbh, dst) as
// ip6t_opts holds them: --NAME-len in bytes, and --NAME-opts, a list of
// option types each with an optional length (type << 8 | length, 0xff for
// any).
type ipv6Opts struct {
	Opts    []uint16
	OptsSet bool
}

// parseIPv6Opts reads "TYPE[:LEN][,TYPE[:LEN]...]" as libip6t_hbh does.
func parseIPv6Opts(v string) ([]uint16, error) {
	parts := strings.Split(v, ",")
	if len(parts) > xt.OptsMaxNumber {
		return nil, fmt.Errorf("more than %d options", xt.OptsMaxNumber)
	}
	var out []uint16
	for i, part := range parts {
		typ, l, hasLen := strings.Cut(part, ":")
		t, ok := strtoul(typ)
		if !ok || t > 255 {
			return nil, fmt.Errorf("option type %q is not a number from 0 to 255", typ)
		}
		o := uint16(t) << 8
		switch {
		case !hasLen:
			o |= 0xff
		case i == xt.OptsMaxNumber-1:
			return nil, fmt.Errorf("the %dth option cannot have a length", xt.OptsMaxNumber)
		case t == 0:
			return nil, fmt.Errorf("PAD0 has no length")
		default:
			n, ok := strtoul(l)
			if !ok || n > 255 {
				return nil, fmt.Errorf("option length %q is not a number from 0 to 255", l)
			}
			o |= uint16(n)
		}
		out = append(out, o)
	}
	return out, nil
}

// optsArgs prints the options as iptables-save does.
func optsArgs(opts []uint16) string {
	s := make([]string, len(opts))
	for i, o := range opts {
		s[i] = fmt.Sprint(o >> 8)
		if o&0xff != 0xff {
			s[i] += fmt.Sprintf(":%d", o&0xff)
		}
	}
	return strings.Join(s, ",")
}

// xtOpts encodes an options header match as struct ip6t_opts.
func xtOpts(length uint32, lenSet, lenInvert bool, o ipv6Opts) xt.Opts {
	out := xt.Opts{HdrLen: length, Opts: o.Opts}
	if lenSet {
		out.Flags |= xt.OptsLen
	}
	if lenInvert {
		out.InvFlags |= xt.OptsInvLen
	}
	if o.OptsSet {
		out.Flags |= xt.OptsOpts
	}
	return out
}

// Dst is ip6tables' dst match: a destination options header, optionally
// of a length in bytes (--dst-len) and with given options (--dst-opts).
//
// ip6tables-translate has no translation for it: nftsync installs the
// kernel's dst match (ip6t_hbh) itself.
type Dst struct {
	Len               uint32
	LenSet, LenInvert bool
	ipv6Opts
}

func newDst(r *Rule) (Match, error) {
	if err := ipv6Only(r, "dst"); err != nil {
		return nil, err
	}
	return &Dst{}, nil
}

// Name returns "dst".
func (m *Dst) Name() string   { return "dst" }
func (m *Dst) stateful() bool { return false }

func (m *Dst) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--dst-len":
		n, err := optLenValue(p, opt, m.LenSet)
		if err != nil {
			return true, err
		}
		m.Len, m.LenSet, m.LenInvert = n, true, invert
		return true, nil
	case "--dst-opts":
		return true, m.ipv6Opts.parse(p, opt, invert)
	}
	return false, nil
}

// parse reads --hbh-opts or --dst-opts.
func (o *ipv6Opts) parse(p *parser, opt string, invert bool) error {
	if err := noInvert(opt, invert); err != nil {
		return err
	}
	v, err := p.onceValue(opt, o.OptsSet)
	if err != nil {
		return err
	}
	if o.Opts, err = parseIPv6Opts(v); err != nil {
		return argError(v, "%v", err)
	}
	o.OptsSet = true
	return nil
}

func (m *Dst) finish(*Rule) error { return nil }

func (m *Dst) args() []string {
	var out []string
	if m.LenSet {
		out = invertArgs(m.LenInvert, "--dst-len", fmt.Sprint(m.Len))
	}
	if m.OptsSet {
		out = append(out, "--dst-opts", optsArgs(m.Opts))
	}
	return out
}

func (m *Dst) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m dst", ext, info)
}

// xtInfo encodes the match as struct ip6t_opts.
func (m *Dst) xtInfo() (*xt.Ext, []byte) {
	return xt.DstMatch, xtOpts(m.Len, m.LenSet, m.LenInvert, m.ipv6Opts).Marshal()
}

// xtInfo encodes the hbh match as struct ip6t_opts.
func (m *HBH) xtInfo() (*xt.Ext, []byte) {
	return xt.HbhMatch, xtOpts(m.Len, m.LenSet, m.LenInvert, m.ipv6Opts).Marshal()
}

// xtXlate installs the hbh match itself where nft has no exact form: a
// length that is not a whole number of 8-byte units (which never
// matches), or options.
func (m *HBH) xtXlate(x *xlator) error {
	ext, info := m.xtInfo()
	if m.OptsSet {
		return x.addXtOnly("it has no translation for --hbh-opts", ext, info)
	}
	return x.addXt(fmt.Sprintf("hbh hdrlength %s%d", neq(m.LenInvert), m.Len),
		"which nft compares with the raw length field, and no header is that many bytes long", ext, info)
}
