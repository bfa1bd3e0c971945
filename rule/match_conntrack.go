package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// Connection states of the conntrack and state matches (the kernel's
// XT_CONNTRACK_STATE_* bits, which are also nft's ct state bits).
const (
	CtStateInvalid     = 1 << 0
	CtStateEstablished = 1 << 1
	CtStateRelated     = 1 << 2
	CtStateNew         = 1 << 3
	CtStateUntracked   = 1 << 6
	CtStateSNAT        = 1 << 7
	CtStateDNAT        = 1 << 8
)

// ctStates is in the order iptables-save and iptables-translate print them.
var ctStates = []struct {
	name string
	bit  uint32
}{
	{"INVALID", CtStateInvalid}, {"NEW", CtStateNew}, {"RELATED", CtStateRelated},
	{"ESTABLISHED", CtStateEstablished}, {"UNTRACKED", CtStateUntracked},
	{"SNAT", CtStateSNAT}, {"DNAT", CtStateDNAT},
}

// ctStatuses are the --ctstatus bits (IPS_*), in print order.
var ctStatuses = []struct {
	name, nft string
	bit       uint32
}{{"EXPECTED", "expected", 1}, {"SEEN_REPLY", "seen-reply", 2}, {"ASSURED", "assured", 4}, {"CONFIRMED", "confirmed", 8}}

// parseCtStates parses a --ctstate/--state list; withNAT allows SNAT and
// DNAT (conntrack only).
func parseCtStates(v string, withNAT bool) (uint32, error) {
	var mask uint32
	for _, s := range strings.Split(v, ",") {
		found := false
		for _, st := range ctStates {
			if strings.EqualFold(s, st.name) && (withNAT || st.bit < CtStateSNAT) {
				mask |= st.bit
				found = true
			}
		}
		if !found {
			return 0, argError(v, "bad connection state %q", s)
		}
	}
	return mask, nil
}

func formatCtStates(mask uint32) string {
	var names []string
	for _, st := range ctStates {
		if mask&st.bit != 0 {
			names = append(names, st.name)
		}
	}
	return strings.Join(names, ",")
}

// appendCtStates writes formatCtStates(mask) as appendArg writes it (an
// empty list is "").
func appendCtStates(b []byte, mask uint32) []byte {
	b = append(b, ' ')
	n := len(b)
	for _, st := range ctStates {
		if mask&st.bit != 0 {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, st.name...)
		}
	}
	if len(b) == n {
		b = append(b, `""`...)
	}
	return b
}

// xlateCtState adds "ct state [! ]LIST" for the plain state bits.
func xlateCtState(x *xlator, mask uint32, invert bool) {
	exprs := ctFlagsExprs(expr.CtKeySTATE, invert, mask)
	x.addLazy(func() string {
		var names []string
		for _, st := range ctStates {
			if mask&st.bit != 0 && st.bit < CtStateSNAT {
				names = append(names, strings.ToLower(st.name))
			}
		}
		not := ""
		if invert {
			not = "! "
		}
		return "ct state " + not + strings.Join(names, ",")
	}, exprs[:]...)
}

// CtValue is an inverted-or-not range of numbers (ports, seconds).
type CtValue struct {
	Set    bool
	Lo, Hi uint32
	Invert bool
}

// Conntrack is the conntrack match.
type Conntrack struct {
	State, Status             uint32
	StateSet, StatusSet       bool
	StateInvert, StatusInvert bool
	Proto                     Proto
	OrigSrc, OrigDst          Addr
	ReplSrc, ReplDst          Addr
	// Ports are --ctorigsrcport, --ctorigdstport, --ctreplsrcport and
	// --ctrepldstport.
	Ports  [4]CtValue
	Expire CtValue
	// Dir is "", "ORIGINAL" or "REPLY".
	Dir string
	// xtText is set on the copy xtXlate translates for its text only
	// (match_conntrack_xt.go): what nft cannot compare is printed, not
	// refused.
	xtText bool
}

var ctAddrOpts = []string{"--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst"}
var ctPortOpts = []string{"--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport"}

// Name returns "conntrack".
func (c *Conntrack) Name() string   { return "conntrack" }
func (c *Conntrack) stateful() bool { return false }

func (c *Conntrack) addr(i int) *Addr {
	return []*Addr{&c.OrigSrc, &c.OrigDst, &c.ReplSrc, &c.ReplDst}[i]
}

func (c *Conntrack) parse(p *parser, opt string, invert bool) (bool, error) {
	idx := func(list []string) int {
		for i, o := range list {
			if o == opt {
				return i
			}
		}
		return -1
	}
	ai, pi := idx(ctAddrOpts), idx(ctPortOpts)
	switch opt {
	case "--ctstate", "--ctstatus", "--ctproto", "--ctexpire", "--ctdir":
	default:
		if ai < 0 && pi < 0 {
			return false, nil
		}
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	twice := func() error { return argError(opt, "may only be given once") }
	switch {
	case opt == "--ctstate":
		if c.StateSet {
			return true, twice()
		}
		c.State, err = parseCtStates(v, true)
		c.StateSet, c.StateInvert = true, invert
	case opt == "--ctstatus":
		if c.StatusSet {
			return true, twice()
		}
		c.Status, err = parseCtStatus(v)
		c.StatusSet, c.StatusInvert = true, invert
	case opt == "--ctproto":
		if c.Proto.Set {
			return true, twice()
		}
		var n uint8
		// --ctproto 0 ("all") is protocol 0, as iptables installs it:
		// xt_conntrack and nft's ct protocol both compare the
		// connection's protocol number with 0.
		n, err = parseProto(v)
		c.Proto = Proto{Set: true, Num: n, Invert: invert}
	case opt == "--ctexpire":
		if c.Expire.Set {
			return true, twice()
		}
		var lo, hi uint64
		lo, hi, err = parseUintRange(v, 32)
		c.Expire = CtValue{Set: true, Lo: uint32(lo), Hi: uint32(hi), Invert: invert}
	case opt == "--ctdir":
		if c.Dir != "" {
			return true, twice()
		}
		if invert {
			return true, argError(opt, "cannot be negated (use the other direction)")
		}
		switch strings.ToUpper(v) {
		case "ORIGINAL", "REPLY":
			c.Dir = strings.ToUpper(v)
		default:
			err = argError(v, "direction must be ORIGINAL or REPLY")
		}
	case ai >= 0:
		a := c.addr(ai)
		if a.Set {
			return true, twice()
		}
		*a, err = parseCtAddr(p.rule.Family, v)
		a.Invert = invert
	default:
		pv := &c.Ports[pi]
		if pv.Set {
			return true, twice()
		}
		var r PortRange
		r, err = parsePortRange(v)
		*pv = CtValue{Set: true, Lo: uint32(r.Lo), Hi: uint32(r.Hi), Invert: invert}
	}
	return true, err
}

func parseCtStatus(v string) (uint32, error) {
	var mask uint32
	for _, s := range strings.Split(v, ",") {
		if strings.EqualFold(s, "NONE") {
			continue
		}
		found := false
		for _, st := range ctStatuses {
			if strings.EqualFold(s, st.name) {
				mask |= st.bit
				found = true
			}
		}
		if !found {
			return 0, argError(v, "bad connection status %q", s)
		}
	}
	return mask, nil
}

func (c *Conntrack) finish(*Rule) error {
	some := c.StateSet || c.StatusSet || c.Proto.Set || c.Expire.Set || c.Dir != ""
	for i := range c.Ports {
		some = some || c.Ports[i].Set || c.addr(i).Set
	}
	if !some {
		return argError("-m conntrack", "needs at least one option")
	}
	return nil
}

// ctAddrString prints a conntrack address as iptables does: no suffix for a
// host address, /N for a prefix, the netmask otherwise.
func ctAddrString(a Addr) string {
	bits, ok := prefixLen(a.Mask)
	switch {
	case ok && bits == a.IP.BitLen():
		return a.IP.String()
	case ok:
		return fmt.Sprintf("%s/%d", a.IP, bits)
	}
	return a.IP.String() + "/" + a.Mask.String()
}

func (v CtValue) String() string {
	if v.Lo == v.Hi {
		return strconv.FormatUint(uint64(v.Lo), 10)
	}
	return fmt.Sprintf("%d:%d", v.Lo, v.Hi)
}

func (c *Conntrack) args() []string {
	var out []string
	add := func(set, invert bool, opt, v string) {
		if !set {
			return
		}
		if invert {
			out = append(out, "!")
		}
		out = append(out, opt, v)
	}
	add(c.StateSet, c.StateInvert, "--ctstate", formatCtStates(c.State))
	add(c.Proto.Set, c.Proto.Invert, "--ctproto", strconv.Itoa(int(c.Proto.Num)))
	for i, opt := range ctAddrOpts {
		a := c.addr(i)
		add(a.Set, a.Invert, opt, ctAddrString(*a))
	}
	for i, opt := range ctPortOpts {
		add(c.Ports[i].Set, c.Ports[i].Invert, opt, c.Ports[i].String())
	}
	status := "NONE"
	if c.Status != 0 {
		var names []string
		for _, st := range ctStatuses {
			if c.Status&st.bit != 0 {
				names = append(names, st.name)
			}
		}
		status = strings.Join(names, ",")
	}
	add(c.StatusSet, c.StatusInvert, "--ctstatus", status)
	add(c.Expire.Set, c.Expire.Invert, "--ctexpire", c.Expire.String())
	add(c.Dir != "", false, "--ctdir", c.Dir)
	return out
}

// appendArgs writes --ctstate, the usual option, itself; other options
// as args() builds them.
func (c *Conntrack) appendArgs(b []byte) []byte {
	only := *c
	only.State, only.StateSet, only.StateInvert, only.xtText = 0, false, false, false
	if !c.StateSet || only != (Conntrack{}) {
		for _, a := range c.args() {
			b = appendArg(b, a)
		}
		return b
	}
	return appendCtStates(append(appendNot(b, c.StateInvert), " --ctstate"...), c.State)
}

func (c *Conntrack) xlate(x *xlator) error {
	if why := c.xtReason(); why != "" && !c.xtText {
		return c.xtXlate(x, why) // match_conntrack_xt.go
	}
	dir := "original"
	if c.Dir == "REPLY" {
		dir = "reply"
	}
	if c.Dir != "" {
		d := byte(0)
		if c.Dir == "REPLY" {
			d = 1
		}
		x.add("ct direction "+dir, &expr.Ct{Register: 1, Key: expr.CtKeyDIRECTION}, cmp(false, []byte{d}))
	}
	if c.Proto.Set {
		x.add(fmt.Sprintf("ct %s protocol %s%d", dir, neq(c.Proto.Invert), c.Proto.Num),
			&expr.Ct{Register: 1, Key: expr.CtKeyPROTOCOL, Direction: ctDirNum(dir), OptDirection: true},
			cmp(c.Proto.Invert, []byte{c.Proto.Num}))
	}
	if c.StateSet {
		if err := c.xlateState(x); err != nil {
			return err
		}
	}
	if c.StatusSet {
		if c.Status == 0 && !c.xtText {
			return fmt.Errorf("--ctstatus NONE: %w", ErrUnsupported)
		}
		var names []string
		for _, st := range ctStatuses {
			if c.Status&st.bit != 0 {
				names = append(names, st.nft)
			}
		}
		not := ""
		if c.StatusInvert {
			not = "! "
		}
		exprs := ctFlagsExprs(expr.CtKeySTATUS, c.StatusInvert, c.Status)
		x.add("ct status "+not+strings.Join(names, ","), exprs[:]...)
	}
	if e := c.Expire; e.Set {
		// nft compares milliseconds; iptables gives seconds.
		if uint64(e.Hi)*1000 > 0xffffffff {
			return fmt.Errorf("--ctexpire %s: longer than nft can compare: %w", e, ErrUnsupported)
		}
		text := strconv.FormatUint(uint64(e.Lo), 10)
		if e.Lo != e.Hi {
			text += "-" + strconv.FormatUint(uint64(e.Hi), 10)
		}
		x.add("ct expiration "+neq(e.Invert)+text,
			append([]expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeyEXPIRATION}}, hostValueCmp(e.Invert, e.Lo*1000, e.Hi*1000)...)...)
	}
	for i, name := range []string{"original saddr", "original daddr", "reply saddr", "reply daddr"} {
		if a := c.addr(i); a.Set {
			if err := c.xlateAddr(x, name, *a, i); err != nil {
				return err
			}
		}
	}
	for i, name := range []string{"original proto-src", "original proto-dst", "reply proto-src", "reply proto-dst"} {
		pv := c.Ports[i]
		if !pv.Set {
			continue
		}
		if !c.Proto.Set || c.Proto.Invert || !multiportProtos[c.Proto.Num] {
			return fmt.Errorf("%s without --ctproto tcp, udp, udplite, sctp or dccp (nft needs the protocol): %w", ctPortOpts[i], ErrUnsupported)
		}
		key := expr.CtKeyPROTOSRC
		if i%2 == 1 {
			key = expr.CtKeyPROTODST
		}
		exprs := []expr.Any{&expr.Ct{Register: 1, Key: key, Direction: uint32(i / 2)}}
		text := strconv.Itoa(int(pv.Lo))
		if pv.Lo == pv.Hi {
			exprs = append(exprs, cmp(pv.Invert, be16(uint16(pv.Lo))))
		} else {
			text += "-" + strconv.Itoa(int(pv.Hi))
			exprs = append(exprs, rangeCmp(pv.Invert, be16(uint16(pv.Lo)), be16(uint16(pv.Hi)))...)
		}
		x.add(fmt.Sprintf("ct %s %s%s", name, neq(pv.Invert), text), exprs...)
	}
	return nil
}

func ctDirNum(dir string) uint32 {
	if dir == "reply" {
		return 1
	}
	return 0
}

// xlateState translates --ctstate. SNAT and DNAT are connection status
// bits in nft; iptables ORs them with the other states, which nft cannot
// express in one statement, so only a lone SNAT or DNAT is translated.
func (c *Conntrack) xlateState(x *xlator) error {
	nat := c.State & (CtStateSNAT | CtStateDNAT)
	if nat == 0 {
		xlateCtState(x, c.State, c.StateInvert)
		return nil
	}
	if c.StateInvert || c.State != nat || nat == CtStateSNAT|CtStateDNAT {
		return fmt.Errorf("--ctstate %s: SNAT/DNAT combined with other states or negated: %w", formatCtStates(c.State), ErrUnsupported)
	}
	name, bit := "snat", uint32(0x10) // IPS_SRC_NAT
	if nat == CtStateDNAT {
		name, bit = "dnat", 0x20 // IPS_DST_NAT
	}
	exprs := ctFlagsExprs(expr.CtKeySTATUS, false, bit)
	x.add("ct status "+name, exprs[:]...)
	return nil
}

// xlateAddr translates a conntrack address. nft loads the whole address:
// a byte-aligned prefix compares its leading bytes, any other prefix is
// masked first; nft cannot parse a netmask that is not a prefix here.
func (c *Conntrack) xlateAddr(x *xlator, name string, a Addr, i int) error {
	bits, ok := prefixLen(a.Mask)
	if !ok {
		return fmt.Errorf("%s with a non-prefix netmask %s: %w", ctAddrOpts[i], a.Mask, ErrUnsupported)
	}
	key := expr.CtKeySRC
	if i%2 == 1 {
		key = expr.CtKeyDST
	}
	ip := a.IP.AsSlice()
	exprs := []expr.Any{&expr.Ct{Register: 1, Key: key, Direction: uint32(i / 2)}}
	switch {
	case bits == 0 && c.xtText:
	case bits == 0:
		return fmt.Errorf("%s with a /0 prefix: %w", ctAddrOpts[i], ErrUnsupported)
	case bits%8 == 0:
		exprs = append(exprs, cmp(a.Invert, ip[:bits/8]))
	default:
		exprs = append(exprs, maskedCmp(a.Invert, a.Mask.AsSlice(), ip)...)
	}
	x.add(fmt.Sprintf("ct %s %s%s", name, neq(a.Invert), ctAddrString(a)), exprs...)
	return nil
}
