package rule

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Hashlimit is the hashlimit match: a token bucket per hash of the
// packet's addresses and ports (Mode), each bucket kept Expire ms.
//
// The model is the kernel's struct (xt.Hashlimit) as iptables 1.8.9 fills
// it from the options, so that the canonical arguments are what
// iptables-save prints for it. iptables-translate prints an nft meter,
// which a rule cannot carry beside itself and whose expiry and burst
// differ; nftsync installs xt_hashlimit itself.
type Hashlimit struct {
	xt.Hashlimit
	fam Family
	// mult is the rate's period in seconds (15 for a byte rate), which
	// sets the default expiry as in iptables.
	mult uint32
	seen map[string]bool
}

// Defaults of iptables' hashlimit (XT_HASHLIMIT_*).
const (
	hashlimitBurst      = 5
	hashlimitBurstMax   = 1000000
	hashlimitGCInterval = 1000
	hashlimitScale      = 1000000 // XT_HASHLIMIT_SCALE_v2
)

func newHashlimit(r *Rule) (Match, error) {
	m := &Hashlimit{fam: r.Family, mult: 1, seen: map[string]bool{}}
	mask := uint8(8 * addrLen(r.Family))
	m.Burst, m.GCInterval, m.SrcMask, m.DstMask = hashlimitBurst, hashlimitGCInterval, mask, mask
	return m, nil
}

// Name returns "hashlimit".
func (m *Hashlimit) Name() string   { return "hashlimit" }
func (m *Hashlimit) stateful() bool { return true }

func (m *Hashlimit) parse(p *parser, opt string, invert bool) (bool, error) {
	key := opt
	switch opt {
	case "--hashlimit-upto", "--hashlimit", "--hashlimit-above":
		key = "rate"
	case "--hashlimit-srcmask", "--hashlimit-dstmask", "--hashlimit-burst", "--hashlimit-htable-size",
		"--hashlimit-htable-max", "--hashlimit-htable-gcinterval", "--hashlimit-htable-expire",
		"--hashlimit-mode", "--hashlimit-name", "--hashlimit-rate-interval":
	case "--hashlimit-rate-match":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		m.Mode |= xt.HashlimitRateMatch
		m.seen[opt] = true
		return true, nil
	default:
		return false, nil
	}
	if key != "rate" {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	}
	v, err := p.onceValue(opt, m.seen[key])
	if err != nil {
		return true, err
	}
	m.seen[key] = true
	return true, m.set(opt, v, invert)
}

// set applies one option's value as iptables' hashlimit_mt_parse does.
func (m *Hashlimit) set(opt, v string, invert bool) error {
	switch opt {
	case "--hashlimit-upto", "--hashlimit", "--hashlimit-above":
		if (opt == "--hashlimit-above") != invert {
			m.Mode |= xt.HashlimitInvert
		}
		if cost, ok := hashlimitBytes(v); ok {
			m.Avg, m.mult = cost, 15
			m.Mode |= xt.HashlimitBytes
			return nil
		}
		avg, mult, err := hashlimitRate(v)
		if err != nil {
			return argError(v, "%v", err)
		}
		m.Avg, m.mult = avg, mult
	case "--hashlimit-srcmask", "--hashlimit-dstmask":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 8*addrLen(m.fam) {
			return argError(v, "not a prefix length between 0 and %d", 8*addrLen(m.fam))
		}
		if opt == "--hashlimit-srcmask" {
			m.SrcMask = uint8(n)
		} else {
			m.DstMask = uint8(n)
		}
	case "--hashlimit-burst":
		n, err := hashlimitBurstValue(v)
		if err != nil {
			return argError(v, "%v", err)
		}
		m.Burst = n
	case "--hashlimit-htable-size", "--hashlimit-htable-max", "--hashlimit-htable-gcinterval", "--hashlimit-htable-expire":
		n, err := parseUint(v, 32)
		if err != nil {
			return argError(v, "%v", err)
		}
		*map[string]*uint32{"--hashlimit-htable-size": &m.Size, "--hashlimit-htable-max": &m.Max,
			"--hashlimit-htable-gcinterval": &m.GCInterval, "--hashlimit-htable-expire": &m.Expire}[opt] = uint32(n)
	case "--hashlimit-mode":
		for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '|' }) {
			bit, ok := map[string]uint32{"dstip": xt.HashlimitDstIP, "srcip": xt.HashlimitSrcIP,
				"srcport": xt.HashlimitSrcPort, "dstport": xt.HashlimitDstPort}[tok]
			if !ok {
				return argError(v, "bad --hashlimit-mode (a list of srcip, srcport, dstip, dstport)")
			}
			m.Mode |= bit
		}
	case "--hashlimit-name":
		if v == "" || len(v) > xt.HashlimitNameMax || strings.ContainsAny(v, " \t\n/\"'\\") {
			return argError(v, "a hashlimit name has 1 to %d characters, without spaces, quotes or slashes", xt.HashlimitNameMax)
		}
		m.Hashlimit.Name = v
	case "--hashlimit-rate-interval":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return argError(v, "not a positive number of seconds")
		}
		m.Interval = uint32(n)
	}
	return nil
}

// hashlimitBytes parses a byte rate ("20kb/s"), returning the kernel's
// cost per 16 bytes as iptables' bytes_to_cost computes it.
func hashlimitBytes(v string) (uint64, bool) {
	i := strings.Index(v, "b/s")
	if i <= 0 {
		return 0, false
	}
	digits := v[:i]
	factor := uint64(1)
	switch v[i-1] {
	case 'k':
		factor, digits = 1024, v[:i-1]
	case 'm':
		factor, digits = 1024*1024, v[:i-1]
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 || n > math.MaxUint64/factor || i+3 != len(v) {
		return 0, false
	}
	cost := bytesToCost(n * factor)
	return cost, cost != 0
}

// bytesToCost is iptables' bytes_to_cost (32-bit arithmetic included).
func bytesToCost(b uint64) uint64 {
	r := uint32(b >> 4)
	if r == math.MaxUint32 {
		return 0
	}
	return uint64(math.MaxUint32 / (r + 1))
}

// costToBytes is iptables' cost_to_bytes.
func costToBytes(cost uint64) uint64 {
	r := uint64(math.MaxUint32)
	if cost != 0 {
		r = math.MaxUint32 / cost
	}
	return (r - 1) << 4
}

// hashlimitRate parses a packet rate "N[/second|/minute|/hour|/day]" (any
// prefix of the unit), returning the period between packets in
// millionths of a second and the unit in seconds.
func hashlimitRate(v string) (avg uint64, mult uint32, err error) {
	num, unit, hasUnit := strings.Cut(v, "/")
	mult = 1
	if hasUnit {
		mult = 0
		for _, u := range []struct {
			name string
			secs uint32
		}{{"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}} {
			if unit != "" && strings.HasPrefix(u.name, strings.ToLower(unit)) {
				mult = u.secs
				break
			}
		}
		if mult == 0 {
			return 0, 0, fmt.Errorf("bad rate unit (second, minute, hour or day)")
		}
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return 0, 0, fmt.Errorf("not a rate (N/second, N/minute, N/hour, N/day or N[k|m]b/s)")
	}
	avg = hashlimitScale * uint64(mult) / n
	if avg == 0 {
		return 0, 0, fmt.Errorf("rate too fast")
	}
	return avg, mult, nil
}

// hashlimitBurstValue parses --hashlimit-burst: a count, or with k/m a
// number of bytes (kb and mb as iptables-save prints them).
func hashlimitBurstValue(v string) (uint64, error) {
	digits, factor := v, uint64(1)
	for _, u := range []struct {
		suffix string
		f      uint64
	}{{"kb", 1024}, {"mb", 1024 * 1024}, {"k", 1024}, {"m", 1024 * 1024}, {"b", 1}} {
		if d, ok := strings.CutSuffix(v, u.suffix); ok {
			digits, factor = d, u.f
			break
		}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	switch {
	case err != nil || n == 0:
		return 0, fmt.Errorf("not a burst between 1 and %d", hashlimitBurstMax)
	case digits == v && n > hashlimitBurstMax:
		return 0, fmt.Errorf("burst out of range (1-%d)", hashlimitBurstMax)
	case n > math.MaxUint64/factor:
		return 0, fmt.Errorf("burst too large")
	}
	return n * factor, nil
}

// finish completes the struct as iptables' hashlimit_mt_check does, and
// refuses a rule whose iptables-save form would mean another rule (a byte
// rate below 16b/s prints as 0b/s, a burst rounds down): what `list`
// prints and apply reads again must be the same rule.
func (m *Hashlimit) finish(*Rule) error {
	if err := m.complete(); err != nil {
		return err
	}
	again, err := newHashlimit(&Rule{Family: m.fam})
	if err != nil {
		return err
	}
	h := again.(*Hashlimit)
	args := m.args()
	for i := 0; i < len(args); i++ {
		opt, v := args[i], ""
		if opt != "--hashlimit-rate-match" {
			i++
			v = args[i]
		}
		key := opt
		if opt == "--hashlimit-upto" || opt == "--hashlimit-above" {
			key = "rate"
		}
		h.seen[key] = true
		if opt == "--hashlimit-rate-match" {
			h.Mode |= xt.HashlimitRateMatch
			continue
		}
		if err := h.set(opt, v, false); err != nil {
			return argError("-m hashlimit", "iptables-save would print this match as %q, which it cannot read back", strings.Join(args, " "))
		}
	}
	if err := h.complete(); err != nil || h.Hashlimit != m.Hashlimit {
		return argError("-m hashlimit", "iptables-save would print this match as %q, which means another limit; write that instead", strings.Join(args, " "))
	}
	return nil
}

// complete fills in what iptables derives once all options are read.
func (m *Hashlimit) complete() error {
	switch {
	case !m.seen["rate"]:
		return argError("-m hashlimit", "needs --hashlimit-upto or --hashlimit-above")
	case !m.seen["--hashlimit-name"]:
		return argError("-m hashlimit", "needs --hashlimit-name")
	}
	if m.Mode&xt.HashlimitBytes != 0 && costToBytes(m.Avg) == 0 {
		// The kernel counts in 16-byte steps: a lower rate has no cost
		// iptables can print or divide a burst by.
		return argError("-m hashlimit", "a byte rate must be at least 16b/s")
	}
	if !m.seen["--hashlimit-htable-expire"] {
		m.Expire = m.mult * 1000
	}
	if m.Mode&xt.HashlimitBytes != 0 {
		burst := uint32(0)
		if m.seen["--hashlimit-burst"] {
			unit := costToBytes(m.Avg)
			if m.Burst < unit {
				return argError("--hashlimit-burst", "burst cannot be smaller than %db", unit)
			}
			burst = uint32(m.Burst / unit)
			if m.Burst%unit != 0 {
				burst++
			}
			if !m.seen["--hashlimit-htable-expire"] {
				m.Expire = 60 * 1000
			}
		}
		m.Burst = uint64(burst)
	} else if m.Burst > hashlimitBurstMax {
		return argError("--hashlimit-burst", "burst out of range (1-%d)", hashlimitBurstMax)
	}
	if m.Mode&xt.HashlimitRateMatch != 0 {
		if m.Mode&xt.HashlimitBytes == 0 {
			m.Avg /= uint64(m.mult)
		}
		if m.Interval == 0 {
			m.Interval = m.mult
			if m.Mode&xt.HashlimitBytes != 0 {
				m.Interval = 1
			}
		}
	}
	return nil
}

// hashlimitRates are the units iptables-save picks a packet rate's from.
var hashlimitRates = []struct {
	name, long string
	mult       uint64
}{{"day", "day", hashlimitScale * 86400}, {"hour", "hour", hashlimitScale * 3600}, {"min", "minute", hashlimitScale * 60}, {"sec", "second", hashlimitScale}}

// rate returns a packet period as iptables prints it: the number and the
// unit (short for iptables-save, long for iptables-translate), and the
// unit in ms (the default expiry).
func hashlimitPeriod(period uint64, long bool) (string, uint64) {
	if period == 0 {
		return "inf", 0
	}
	i := 1
	for ; i < len(hashlimitRates); i++ {
		r := hashlimitRates[i].mult
		if period > r || r/period < r%period {
			break
		}
	}
	u := hashlimitRates[i-1]
	name := u.name
	if long {
		name = u.long
	}
	return fmt.Sprintf("%d/%s", u.mult/period, name), u.mult / hashlimitScale * 1000
}

// byteUnits are the units of byte rates and bursts.
var byteUnits = []struct {
	name   string
	thresh uint64
}{{"m", 1024 * 1024}, {"k", 1024}, {"", 1}}

// hashlimitByteRate returns a byte rate's number and unit, and its burst's
// (when Burst is not 0), as iptables prints them.
func (m *Hashlimit) hashlimitByteRate() (rate, burst [2]string) {
	r := costToBytes(m.Avg)
	i := 0
	for ; i < len(byteUnits)-1; i++ {
		if u := byteUnits[i]; r >= u.thresh && bytesToCost(r&^(u.thresh-1)) == m.Avg {
			break
		}
	}
	rate = [2]string{strconv.FormatUint(r/byteUnits[i].thresh, 10), byteUnits[i].name}
	if m.Burst == 0 {
		return rate, burst
	}
	r *= m.Burst
	for i = 0; i < len(byteUnits)-1; i++ {
		if r >= byteUnits[i].thresh {
			break
		}
	}
	return rate, [2]string{strconv.FormatUint(r/byteUnits[i].thresh, 10), byteUnits[i].name}
}

// args are what iptables-save prints (hashlimit_mt_save).
func (m *Hashlimit) args() []string {
	out := []string{"--hashlimit-upto"}
	if m.Mode&xt.HashlimitInvert != 0 {
		out[0] = "--hashlimit-above"
	}
	var quantum uint64
	if m.Mode&xt.HashlimitBytes != 0 {
		rate, burst := m.hashlimitByteRate()
		out = append(out, rate[0]+rate[1]+"b/s")
		quantum = 15000
		if m.Burst != 0 {
			out = append(out, "--hashlimit-burst", burst[0]+burst[1]+"b")
			quantum = 60000
		}
	} else {
		var rate string
		rate, quantum = hashlimitPeriod(m.Avg, false)
		out = append(out, rate, "--hashlimit-burst", strconv.FormatUint(m.Burst, 10))
	}
	if modes := m.modes(); len(modes) > 0 {
		out = append(out, "--hashlimit-mode", strings.Join(modes, ","))
	}
	out = append(out, "--hashlimit-name", m.Hashlimit.Name)
	u32 := func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
	if m.Size != 0 {
		out = append(out, "--hashlimit-htable-size", u32(m.Size))
	}
	if m.Max != 0 {
		out = append(out, "--hashlimit-htable-max", u32(m.Max))
	}
	if m.GCInterval != hashlimitGCInterval {
		out = append(out, "--hashlimit-htable-gcinterval", u32(m.GCInterval))
	}
	if uint64(m.Expire) != quantum {
		out = append(out, "--hashlimit-htable-expire", u32(m.Expire))
	}
	full := uint8(8 * addrLen(m.fam))
	if m.SrcMask != full {
		out = append(out, "--hashlimit-srcmask", u32(uint32(m.SrcMask)))
	}
	if m.DstMask != full {
		out = append(out, "--hashlimit-dstmask", u32(uint32(m.DstMask)))
	}
	if m.Mode&xt.HashlimitRateMatch != 0 {
		out = append(out, "--hashlimit-rate-match")
		if m.Interval != 1 {
			out = append(out, "--hashlimit-rate-interval", u32(m.Interval))
		}
	}
	return out
}

// modes lists the hashed fields in iptables-save's order.
func (m *Hashlimit) modes() []string {
	var out []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{{xt.HashlimitSrcIP, "srcip"}, {xt.HashlimitSrcPort, "srcport"}, {xt.HashlimitDstIP, "dstip"}, {xt.HashlimitDstPort, "dstport"}} {
		if m.Mode&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return out
}

func (m *Hashlimit) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(m.text(), "which needs a meter beside the rule and whose expiry and burst differ from xt_hashlimit's", ext, info)
}

// text is the meter statement iptables-translate prints.
func (m *Hashlimit) text() string {
	words := []string{"meter", m.Hashlimit.Name, "{"}
	var keys []string
	for _, f := range []struct {
		bit  uint32
		key  string
		mask uint8
	}{{xt.HashlimitDstIP, m.fam.String() + " daddr", m.DstMask}, {xt.HashlimitDstPort, "tcp dport", 0},
		{xt.HashlimitSrcIP, m.fam.String() + " saddr", m.SrcMask}, {xt.HashlimitSrcPort, "tcp sport", 0}} {
		if m.Mode&f.bit == 0 {
			continue
		}
		k := f.key
		if strings.HasSuffix(k, "addr") && int(f.mask) != 8*addrLen(m.fam) {
			k += " and " + hashlimitMaskText(m.fam, int(f.mask))
		}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		words = append(words, strings.Join(keys, " . "))
	}
	if m.Expire != 1000 {
		words = append(words, fmt.Sprintf("timeout %ds", m.Expire/1000))
	}
	words = append(words, "limit rate")
	if m.Mode&xt.HashlimitInvert != 0 {
		words = append(words, "over")
	}
	if m.Mode&xt.HashlimitBytes != 0 {
		rate, burst := m.hashlimitByteRate()
		words = append(words, rate[0], rate[1]+"bytes/second")
		if m.Burst > 0 {
			words = append(words, "burst", burst[0], burst[1]+"bytes")
		}
	} else {
		rate, _ := hashlimitPeriod(m.Avg, true)
		words = append(words, rate)
		if m.Burst != hashlimitBurst {
			words = append(words, fmt.Sprintf("burst %d packets", m.Burst))
		}
	}
	return strings.Join(append(words, "}"), " ")
}

// hashlimitMaskText prints a prefix mask as iptables-translate does: dotted
// quad, or eight 4-digit hex groups for IPv6.
func hashlimitMaskText(fam Family, n int) string {
	a := fullMask(8*addrLen(fam), n).AsSlice()
	if fam == IPv4 {
		return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3])
	}
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = fmt.Sprintf("%02x%02x", a[2*i], a[2*i+1])
	}
	return strings.Join(groups, ":")
}

// xtInfo encodes the match as struct xt_hashlimit_mtinfo3.
func (m *Hashlimit) xtInfo() (*xt.Ext, []byte) {
	return xt.HashlimitMatch, m.Hashlimit.Marshal()
}
