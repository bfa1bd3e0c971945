package rule

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Rateest is the rateest match: it compares the rate (bytes or packets
// per second) of the estimator --rateest1/--rateest (made by -j RATEEST)
// with a given rate, or with that of the estimator --rateest2, optionally
// as the difference from given rates (--rateest-delta).
//
// iptables-translate has no translation for it, and nft has no rate
// estimators: nftsync installs xt_rateest itself. What iptables-save
// prints otherwise than it reads (a rate it rounds to Kbit or Mbit; both
// --rateest-bps and --rateest-pps, whose comparison it prints twice; a
// rate given where the kernel ignores it) is refused.
type Rateest struct {
	xt.Rateest
	seen map[string]bool
}

// Name returns "rateest".
func (m *Rateest) Name() string   { return "rateest" }
func (m *Rateest) stateful() bool { return false }

// rateestModes are the comparisons, by their xt_rateest mode.
var rateestModes = map[string]uint16{"--rateest-eq": xt.RateestEq, "--rateest-lt": xt.RateestLt, "--rateest-gt": xt.RateestGt}

func (m *Rateest) parse(p *parser, opt string, invert bool) (bool, error) {
	name := opt
	switch opt {
	case "--rateest":
		name = "--rateest1"
	case "--rateest-bps":
		name = "--rateest-bps2"
	case "--rateest-pps":
		name = "--rateest-pps2"
	}
	mode, isMode := rateestModes[opt]
	switch {
	case isMode:
		name = "mode"
	case name == "--rateest1", name == "--rateest2", name == "--rateest-delta",
		name == "--rateest-bps1", name == "--rateest-bps2", name == "--rateest-pps1", name == "--rateest-pps2":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	default:
		return false, nil
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if m.seen[name] {
		return true, argError(opt, "may only be given once (one of --rateest-eq, -lt and -gt)")
	}
	m.seen[name] = true
	switch {
	case isMode:
		m.Mode = mode
		if invert {
			m.Flags |= xt.RateestInvert
		}
	case name == "--rateest-delta":
		m.Flags |= xt.RateestDelta
	case name == "--rateest1" || name == "--rateest2":
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		if v == "" || len(v) > 15 || strings.ContainsAny(v, " \t\n\"'\\") {
			return true, argError(v, "not an estimator name (1 to 15 characters, no white space or quote)")
		}
		if name == "--rateest1" {
			m.Name1 = v
		} else {
			m.Name2 = v
			m.Flags |= xt.RateestRel
		}
	default: // a rate, whose value is optional (the next argument unless it is an option or "!")
		bps := strings.Contains(name, "bps")
		if bps {
			m.Flags |= xt.RateestBPS
		} else {
			m.Flags |= xt.RateestPPS
		}
		if p.pos+1 >= len(p.args) || strings.HasPrefix(p.args[p.pos+1], "-") || strings.HasPrefix(p.args[p.pos+1], "!") {
			return true, nil
		}
		v, _ := p.value(opt)
		m.seen[name+" value"] = true
		var n uint32
		var err error
		if bps {
			n, err = parseRateestBPS(v)
		} else {
			var u uint64
			u, err = parseUint(v, 32)
			n = uint32(u)
		}
		if err != nil {
			return true, argError(v, "%v", err)
		}
		switch name {
		case "--rateest-bps1":
			m.BPS1 = n
		case "--rateest-bps2":
			m.BPS2 = n
		case "--rateest-pps1":
			m.PPS1 = n
		case "--rateest-pps2":
			m.PPS2 = n
		}
	}
	return true, nil
}

// rateSuffixes are libxt_rateest's rate units (iproute's), in bits.
var rateSuffixes = map[string]float64{
	"bit": 1, "kibit": 1024, "kbit": 1000, "mibit": 1024 * 1024, "mbit": 1e6, "gibit": 1024 * 1024 * 1024, "gbit": 1e9,
	"tibit": 1024 * 1024 * 1024 * 1024, "tbit": 1e12, "bps": 8, "kibps": 8 * 1024, "kbps": 8000, "mibps": 8 * 1024 * 1024,
	"mbps": 8e6, "gibps": 8 * 1024 * 1024 * 1024, "gbps": 8e9, "tibps": 8 * 1024 * 1024 * 1024 * 1024, "tbps": 8e12,
}

// parseRateestBPS reads a rate as libxt_rateest does: a number (of bits
// per second) with an optional unit, into bytes per second.
func parseRateestBPS(v string) (uint32, error) {
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := v, ""
	if i >= 0 {
		num, unit = v[:i], v[i:]
	}
	f, err := strconv.ParseFloat(num, 64)
	scale, known := rateSuffixes[strings.ToLower(unit)]
	if unit == "" {
		scale, known = 1, true
	}
	if err != nil || !known {
		return 0, fmt.Errorf("not a rate (a number with a unit: bit, kbit, mbit, Bps, KBps, ...)")
	}
	r := math.Trunc(f * scale / 8)
	if r >= 1<<32 {
		return 0, fmt.Errorf("a rate beyond %d bytes per second", uint32(math.MaxUint32))
	}
	return uint32(r), nil
}

func (m *Rateest) finish(*Rule) error {
	delta := m.Flags&xt.RateestDelta != 0
	switch {
	case m.Name1 == "":
		return argError("-m rateest", "needs --rateest or --rateest1")
	case m.Mode == 0:
		return argError("-m rateest", "needs one of --rateest-eq, --rateest-lt and --rateest-gt")
	case m.Flags&(xt.RateestBPS|xt.RateestPPS) == 0:
		return argError("-m rateest", "needs --rateest-bps or --rateest-pps")
	case m.Flags&xt.RateestBPS != 0 && m.Flags&xt.RateestPPS != 0:
		return unsupported("-m rateest with both bps and pps (iptables-save prints the comparison twice, which iptables cannot read back)")
	case !delta && (m.seen["--rateest-bps1 value"] || m.seen["--rateest-pps1 value"]),
		!delta && m.Flags&xt.RateestRel != 0 && (m.seen["--rateest-bps2 value"] || m.seen["--rateest-pps2 value"]):
		return unsupported("-m rateest: a rate the kernel ignores without --rateest-delta (iptables-save drops it)")
	}
	if m.Flags&xt.RateestRel == 0 {
		m.Flags |= xt.RateestAbs
	}
	for _, r := range []uint32{m.BPS1, m.BPS2} {
		if _, exact := rateestText(r); !exact {
			return unsupported("-m rateest: %d bytes/s, which iptables-save prints rounded", r)
		}
	}
	return nil
}

// rateestText prints a rate of bytes per second as iptables-save does,
// and whether reading that back gives the same rate.
func rateestText(r uint32) (string, bool) {
	bits := float64(r) * 8
	var s string
	switch {
	case bits >= 1e9:
		s = fmt.Sprintf("%.0fMbit", bits/1e6)
	case bits >= 1e6:
		s = fmt.Sprintf("%.0fKbit", bits/1e3)
	default:
		s = fmt.Sprintf("%.0fbit", bits)
	}
	back, err := parseRateestBPS(s)
	return s, err == nil && back == r
}

// args are in iptables-save order.
func (m *Rateest) args() []string {
	var out []string
	delta := m.Flags&xt.RateestDelta != 0
	if delta {
		out = append(out, "--rateest-delta")
	}
	if m.Flags&xt.RateestRel != 0 {
		out = append(out, "--rateest1", m.Name1)
	} else {
		out = append(out, "--rateest", m.Name1)
	}
	var mode string
	for k, v := range rateestModes {
		if v == m.Mode {
			mode = k
		}
	}
	kind := "bps"
	var r1, r2 string
	if m.Flags&xt.RateestBPS != 0 {
		r1, _ = rateestText(m.BPS1)
		r2, _ = rateestText(m.BPS2)
	} else {
		kind, r1, r2 = "pps", fmt.Sprint(m.PPS1), fmt.Sprint(m.PPS2)
	}
	if delta {
		out = append(out, "--rateest-"+kind+"1", r1)
	}
	if m.Flags&xt.RateestInvert != 0 {
		out = append(out, "!")
	}
	out = append(out, mode)
	if delta {
		out = append(out, "--rateest-"+kind+"2")
	} else {
		out = append(out, "--rateest-"+kind)
	}
	if m.Flags&(xt.RateestAbs|xt.RateestDelta) != 0 {
		out = append(out, r2)
	}
	if m.Flags&xt.RateestRel != 0 {
		out = append(out, "--rateest2", m.Name2)
	}
	return out
}

func (m *Rateest) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m rateest, and nft has no rate estimators", ext, info)
}

// xtInfo encodes the match as struct xt_rateest_match_info.
func (m *Rateest) xtInfo() (*xt.Ext, []byte) { return xt.RateestMatch, m.Rateest.Marshal() }
