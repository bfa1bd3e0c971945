package rule

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Recent is the recent match: it adds the packet's source (or
// destination) address to the list Name (--set), checks for it (--rcheck;
// --update also refreshes it) or removes it (--remove), with optional
// limits on its age (--seconds, --reap) and count (--hitcount).
//
// iptables-translate has no translation for it, and nft's dynamic sets
// keep no timestamps to count: nftsync installs xt_recent itself. The
// list is the kernel's /proc/net/xt_recent/NAME, shared with iptables.
type Recent struct {
	xt.Recent
	seen map[string]bool
}

// recentOps are the operations in iptables-save order, with their bits.
var recentOps = []struct {
	name string
	bit  uint8
}{
	{"--set", xt.RecentSet}, {"--rcheck", xt.RecentCheck}, {"--update", xt.RecentUpdate}, {"--remove", xt.RecentRemove},
}

func newRecent(r *Rule) (Match, error) {
	bits := 32
	if r.Family == IPv6 {
		bits = 128
	}
	return &Recent{Recent: xt.Recent{Name: "DEFAULT", Mask: fullMask(bits, bits)}}, nil
}

// Name returns "recent".
func (m *Recent) Name() string { return "recent" }

// stateful: the match updates its list.
func (m *Recent) stateful() bool { return true }

func (m *Recent) parse(p *parser, opt string, invert bool) (bool, error) {
	for _, o := range recentOps {
		if o.name == opt {
			if m.CheckSet&(xt.RecentSet|xt.RecentCheck|xt.RecentUpdate|xt.RecentRemove) != 0 {
				return true, argError(opt, "takes only one of --set, --rcheck, --update and --remove")
			}
			m.CheckSet |= o.bit
			m.Invert = invert
			return true, nil
		}
	}
	switch opt {
	case "--seconds", "--hitcount", "--name", "--mask", "--reap", "--rttl", "--rsource", "--rdest":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	switch opt {
	case "--reap", "--rttl", "--rsource", "--rdest":
		if m.seen[opt] {
			return true, argError(opt, "may only be given once")
		}
		m.seen[opt] = true
		switch opt {
		case "--reap":
			m.CheckSet |= xt.RecentReap
		case "--rttl":
			m.CheckSet |= xt.RecentTTL
		case "--rsource":
			m.Side = xt.RecentSource
		case "--rdest":
			m.Side = xt.RecentDest
		}
		return true, nil
	}
	v, err := p.onceValue(opt, m.seen[opt])
	if err != nil {
		return true, err
	}
	m.seen[opt] = true
	switch opt {
	case "--seconds", "--hitcount":
		n, err := parseUint(v, 32)
		if err != nil {
			return true, argError(v, "%v", err)
		}
		if opt == "--seconds" {
			if n == 0 {
				return true, argError(v, "--seconds must be at least 1")
			}
			m.Seconds = uint32(n)
		} else {
			m.HitCount = uint32(n)
		}
	case "--name":
		// xt_recent names /proc/net/xt_recent/NAME after it; iptables-save
		// prints it unquoted.
		if v == "" || v == "." || v == ".." || len(v) >= xt.RecentNameLen || strings.ContainsAny(v, "/ \t\n\"'\\") {
			return true, argError(v, "not a list name (1 to %d characters, no slash, white space or quote, not . or ..)", xt.RecentNameLen-1)
		}
		m.Recent.Name = v
	case "--mask":
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || a.Is4() != (m.Mask.Is4()) {
			return true, argError(v, "not an %s address (host names are not resolved)", map[bool]string{true: "IPv4", false: "IPv6"}[m.Mask.Is4()])
		}
		m.Mask = a
	}
	return true, nil
}

func (m *Recent) finish(*Rule) error {
	ops := m.CheckSet & (xt.RecentSet | xt.RecentCheck | xt.RecentUpdate | xt.RecentRemove)
	switch {
	case ops == 0:
		return argError("-m recent", "needs one of --set, --rcheck, --update and --remove")
	case ops&(xt.RecentSet|xt.RecentRemove) != 0 && (m.Seconds != 0 || m.HitCount != 0 || m.CheckSet&(xt.RecentTTL|xt.RecentReap) != 0):
		return argError("-m recent", "--seconds, --hitcount, --reap and --rttl go with --rcheck or --update, not --set or --remove")
	case m.CheckSet&xt.RecentReap != 0 && m.Seconds == 0:
		return argError("--reap", "needs --seconds")
	case m.HitCount > 65535:
		return argError("--hitcount", "the kernel keeps at most 65535 hits (XT_RECENT_MAX_NSTAMPS - 1)")
	}
	return nil
}

// args are in iptables-save order.
func (m *Recent) args() []string {
	var out []string
	if m.Invert {
		out = append(out, "!")
	}
	for _, o := range recentOps {
		if m.CheckSet&o.bit != 0 {
			out = append(out, o.name)
		}
	}
	if m.Seconds != 0 {
		out = append(out, "--seconds", strconv.FormatUint(uint64(m.Seconds), 10))
	}
	if m.CheckSet&xt.RecentReap != 0 {
		out = append(out, "--reap")
	}
	if m.HitCount != 0 {
		out = append(out, "--hitcount", strconv.FormatUint(uint64(m.HitCount), 10))
	}
	if m.CheckSet&xt.RecentTTL != 0 {
		out = append(out, "--rttl")
	}
	out = append(out, "--name", m.Recent.Name, "--mask", m.Mask.String())
	if m.Side == xt.RecentDest {
		return append(out, "--rdest")
	}
	return append(out, "--rsource")
}

func (m *Recent) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m recent, and nft's sets keep no hit times", ext, info)
}

// xtInfo encodes the match as struct xt_recent_mtinfo_v1.
func (m *Recent) xtInfo() (*xt.Ext, []byte) { return xt.RecentMatch, m.Recent.Marshal() }
