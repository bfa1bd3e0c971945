package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// PortMatch is a source or destination port (range) match.
type PortMatch struct {
	Set bool
	PortRange
	Invert bool
}

// ports holds what the tcp, udp (and similar) matches share: --sport and
// --dport.
type ports struct {
	SPort, DPort PortMatch
}

// parsePorts handles --sport/--dport and their long spellings; proto is
// how the match resolves ports (parsePortSpec).
func (pm *ports) parsePorts(p *parser, opt string, invert bool, proto string) (bool, error) {
	var target *PortMatch
	switch opt {
	case "--sport", "--source-port":
		target = &pm.SPort
	case "--dport", "--destination-port":
		target = &pm.DPort
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, target.Set)
	if err != nil {
		return true, err
	}
	r, err := parsePortSpec(v, proto)
	if err != nil {
		return true, err
	}
	*target = PortMatch{Set: true, PortRange: r, Invert: invert}
	return true, nil
}

// portArgs prints the port options as iptables-save does: libxt_sctp and
// libxt_dccp (keepFull) print every port given; libxt_tcp and
// libxt_udp leave out a range of 0:65535; nftsync keeps
// a negated one, which never matches (iptables-save drops its "!" too).
func (pm *ports) portArgs(keepFull bool) []string {
	var out []string
	for _, p := range []struct {
		opt string
		m   PortMatch
	}{{"--sport", pm.SPort}, {"--dport", pm.DPort}} {
		if p.m.Set && (keepFull || p.m.Invert || p.m.Lo != 0 || p.m.Hi != 0xffff) {
			if p.m.Invert {
				out = append(out, "!")
			}
			out = append(out, p.opt, p.m.String())
		}
	}
	return out
}

// appendPortArgs writes portArgs(false) (see argsAppender): tcp's and
// udp's ports.
func (pm *ports) appendPortArgs(b []byte) []byte {
	for _, p := range [...]struct {
		opt string
		m   *PortMatch
	}{{" --sport ", &pm.SPort}, {" --dport ", &pm.DPort}} {
		if p.m.Set && (p.m.Invert || p.m.Lo != 0 || p.m.Hi != 0xffff) {
			b = appendNot(b, p.m.Invert)
			b = append(b, p.opt...)
			b = strconv.AppendUint(b, uint64(p.m.Lo), 10)
			if p.m.Lo != p.m.Hi {
				b = strconv.AppendUint(append(b, ':'), uint64(p.m.Hi), 10)
			}
		}
	}
	return b
}

// xlatePorts translates the port matches. It reports whether it printed
// anything: a full 0:65535 range matches every packet and is left out.
func (pm *ports) xlatePorts(x *xlator, name string, proto uint8) bool {
	if s, d := pm.SPort, pm.DPort; s.Set && d.Set && !s.Invert && !d.Invert && s.Lo == s.Hi && d.Lo == d.Hi {
		// nft merges two adjacent equality matches into one load of both
		// ports: the first statement carries it, the second only its text.
		var buf [4]expr.Any
		load, c := x.loadCmp(expr.PayloadBaseTransportHeader, 0, 4, false, []byte{byte(s.Lo >> 8), byte(s.Lo), byte(d.Lo >> 8), byte(d.Lo)})
		x.addLazy(func() string { return fmt.Sprintf("%s sport %s", name, s.nft()) }, append(x.appendL4(buf[:0], proto), load, c)...)
		x.addLazy(func() string { return fmt.Sprintf("%s dport %s", name, d.nft()) })
		return true
	}
	// nft 1.0.6 also merges two negated single ports into one 4-byte
	// compare ("not this pair"), which matches more than iptables' two
	// negations; a one-port range keeps the source port compare apart.
	bothNeq := pm.SPort.Set && pm.DPort.Set && pm.SPort.Invert && pm.DPort.Invert &&
		pm.SPort.Lo == pm.SPort.Hi && pm.DPort.Lo == pm.DPort.Hi
	printed := false
	for _, p := range []struct {
		field string
		off   uint32
		m     PortMatch
	}{{"sport", 0, pm.SPort}, {"dport", 2, pm.DPort}} {
		if !p.m.Set || (p.m.Lo == 0 && p.m.Hi == 65535 && !p.m.Invert) {
			continue
		}
		var buf [5]expr.Any
		if bothNeq && p.field == "sport" {
			exprs := append(x.appendL4(buf[:0], proto), payload(expr.PayloadBaseTransportHeader, p.off, 2))
			exprs = append(exprs, rangeExpr(true, be16(p.m.Lo), be16(p.m.Lo)))
			x.addExact(fmt.Sprintf("%s sport != %d", name, p.m.Lo), fmt.Sprintf("%s sport != %d-%d", name, p.m.Lo, p.m.Lo),
				fmt.Sprintf("which nft 1.0.6 merges with the next '%s dport !=' into one comparison of both ports (\"not this pair\", matching more than iptables)", name),
				exprs...)
			printed = true
			continue
		}
		exprs := x.appendL4(buf[:0], proto)
		if p.m.Lo == p.m.Hi {
			load, c := x.loadCmp(expr.PayloadBaseTransportHeader, p.off, 2, p.m.Invert, be16(p.m.Lo))
			exprs = append(exprs, load, c)
		} else {
			exprs = append(exprs, payload(expr.PayloadBaseTransportHeader, p.off, 2))
			exprs = append(exprs, rangeCmp(p.m.Invert, be16(p.m.Lo), be16(p.m.Hi))...)
		}
		x.addLazy(func() string { return fmt.Sprintf("%s %s %s%s", name, p.field, neq(p.m.Invert), p.m.nft()) }, exprs...)
		printed = true
	}
	return printed
}

// invertedRange fails with ErrUnsupported when a port range is inverted
// (LO > HI), which libxt_udp and libxt_dccp accept: the kernel's test then
// never holds (always, negated). nft cannot print such a range, so the
// match is installed as its xt extension.
func (pm *ports) invertedRange() error {
	for _, p := range []struct {
		opt string
		m   PortMatch
	}{{"--sport", pm.SPort}, {"--dport", pm.DPort}} {
		if p.m.Set && p.m.Lo > p.m.Hi {
			return fmt.Errorf("%s %d:%d (an inverted range): %w", p.opt, p.m.Lo, p.m.Hi, ErrUnsupported)
		}
	}
	return nil
}

// dropFull forgets a port range of 0:65535 that is not negated: xt_tcp
// and xt_udp hold no flag for a port, so the rule is the one without it,
// which iptables-save prints (and iptables-nft writes so too). Each
// spelling must give the same rule, or a rule placed in iptables' tables
// would read back otherwise than written.
func (pm *ports) dropFull() {
	for _, p := range []*PortMatch{&pm.SPort, &pm.DPort} {
		if p.Set && !p.Invert && p.Lo == 0 && p.Hi == 0xffff {
			*p = PortMatch{}
		}
	}
}

// checkProto verifies that -p names the match's protocol, as iptables
// requires for tcp/udp/sctp options.
func checkProto(r *Rule, name string, proto uint8) error {
	if !r.Proto.Set || r.Proto.Invert || r.Proto.Num != proto {
		return argError("-m "+name, "needs -p %s", name)
	}
	return nil
}

// l4Only adds "meta l4proto NAME" when a match printed nothing else, so the
// translated rule still only matches that protocol.
func (x *xlator) l4Only(name string, proto uint8) {
	if x.l4 == proto {
		return
	}
	x.l4 = proto
	m, c := x.metaCmp(expr.MetaKeyL4PROTO, false, []byte{proto})
	x.addLazy(func() string { return "meta l4proto " + name }, m, c)
}

// UDP is the udp match.
type UDP struct{ ports }

// Name returns "udp".
func (u *UDP) Name() string   { return "udp" }
func (u *UDP) stateful() bool { return false }
func (u *UDP) parse(p *parser, opt string, invert bool) (bool, error) {
	return u.parsePorts(p, opt, invert, "")
}
func (u *UDP) finish(r *Rule) error {
	u.dropFull()
	return checkProto(r, "udp", protoUDP)
}
func (u *UDP) args() []string { return u.portArgs(false) }

func (u *UDP) appendArgs(b []byte) []byte { return u.appendPortArgs(b) }

// xlateNative appends nft's statements, or fails with ErrUnsupported for
// an inverted port range (xlate then installs xt udp).
func (u *UDP) xlateNative(x *xlator) error {
	if err := u.invertedRange(); err != nil {
		return err
	}
	if !u.xlatePorts(x, "udp", protoUDP) {
		x.l4Only("udp", protoUDP)
	}
	return nil
}

const (
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// tcpFlags are the TCP flag names in the order iptables and nft print them.
var tcpFlags = []struct {
	name string
	bit  uint8
}{{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20}}

// TCP is the tcp match.
type TCP struct {
	ports
	// FlagsSet: --tcp-flags MASK COMP (or --syn, which is
	// --tcp-flags SYN,RST,ACK,FIN SYN).
	FlagsSet         bool
	FlagMask, FlagOn uint8
	FlagsInvert      bool
	// Option is --tcp-option N (0: none).
	Option       uint8
	OptionInvert bool
}

// Name returns "tcp".
func (t *TCP) Name() string   { return "tcp" }
func (t *TCP) stateful() bool { return false }

func (t *TCP) parse(p *parser, opt string, invert bool) (bool, error) {
	if ok, err := t.parsePorts(p, opt, invert, "tcp"); ok || err != nil {
		return ok, err
	}
	switch opt {
	case "--syn", "--tcp-flags":
		if t.FlagsSet {
			return true, argError(opt, "TCP flags may only be given once")
		}
		t.FlagsSet, t.FlagsInvert = true, invert
		if opt == "--syn" {
			t.FlagMask, t.FlagOn = 0x17, 0x02
			return true, nil
		}
		mask, err := p.value(opt)
		if err != nil {
			return true, err
		}
		comp, err := p.value(opt)
		if err != nil {
			return true, err
		}
		if t.FlagMask, err = parseTCPFlags(mask); err != nil {
			return true, err
		}
		if t.FlagOn, err = parseTCPFlags(comp); err != nil {
			return true, err
		}
		return true, nil
	case "--tcp-option":
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		n, err := strconv.ParseUint(v, 10, 8)
		if err != nil || n == 0 {
			return true, argError(v, "TCP option must be a number from 1 to 255")
		}
		t.Option, t.OptionInvert = uint8(n), invert
		return true, nil
	}
	return false, nil
}

func parseTCPFlags(v string) (uint8, error) {
	var f uint8
	for _, name := range strings.Split(strings.ToLower(v), ",") {
		switch name {
		case "all":
			f |= 0x3f
			continue
		case "none":
			continue
		}
		found := false
		for _, tf := range tcpFlags {
			if tf.name == name {
				f |= tf.bit
				found = true
			}
		}
		if !found {
			return 0, argError(v, "unknown TCP flag %q", name)
		}
	}
	return f, nil
}

func formatTCPFlags(f uint8, upper bool) string {
	var names []string
	for _, tf := range tcpFlags {
		if f&tf.bit != 0 {
			names = append(names, tf.name)
		}
	}
	if len(names) == 0 {
		if upper {
			return "NONE"
		}
		return ""
	}
	s := strings.Join(names, ",")
	if upper {
		s = strings.ToUpper(s)
	}
	return s
}

func (t *TCP) finish(r *Rule) error {
	t.dropFull()
	return checkProto(r, "tcp", protoTCP)
}

func (t *TCP) args() []string {
	out := t.portArgs(false)
	if t.Option != 0 {
		if t.OptionInvert {
			out = append(out, "!")
		}
		out = append(out, "--tcp-option", strconv.Itoa(int(t.Option)))
	}
	if t.FlagsSet {
		if t.FlagsInvert {
			out = append(out, "!")
		}
		out = append(out, "--tcp-flags", formatTCPFlags(t.FlagMask, true), formatTCPFlags(t.FlagOn, true))
	}
	return out
}

func (t *TCP) appendArgs(b []byte) []byte {
	b = t.appendPortArgs(b)
	if t.Option != 0 {
		b = appendNot(b, t.OptionInvert)
		b = strconv.AppendUint(append(b, " --tcp-option "...), uint64(t.Option), 10)
	}
	if t.FlagsSet {
		// Rare: the flags' names are written as args() writes them.
		b = appendNot(b, t.FlagsInvert)
		b = appendArg(append(b, " --tcp-flags"...), formatTCPFlags(t.FlagMask, true))
		b = appendArg(b, formatTCPFlags(t.FlagOn, true))
	}
	return b
}

// xlateNative appends nft's statements, or fails with ErrUnsupported for
// flags nft cannot compare as iptables does (xlate then installs xt tcp).
func (t *TCP) xlateNative(x *xlator) error {
	printed := t.xlatePorts(x, "tcp", protoTCP)
	if t.Option != 0 {
		// nft adds no dependency for a TCP option: the kernel's exthdr
		// expression finds no option in a packet that is not TCP. That
		// is right for "exists"; "missing" would then match every other
		// protocol too (seen with packets: UDP and ICMP), where iptables'
		// -p tcp does not, so it needs the protocol unless an earlier
		// statement of the rule checked it.
		text := fmt.Sprintf("tcp option %d exists", t.Option)
		present := byte(1)
		if t.OptionInvert {
			text, present = fmt.Sprintf("tcp option %d missing", t.Option), 0
		}
		exprs := []expr.Any{
			&expr.Exthdr{DestRegister: 1, Type: t.Option, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT, Op: expr.ExthdrOpTcpopt},
			cmp(false, []byte{present}),
		}
		var dep []expr.Any
		if t.OptionInvert {
			dep = x.needL4(protoTCP)
		}
		if dep != nil {
			x.addExact(text, "meta l4proto tcp "+text, "which nft also matches on packets that are not TCP", append(dep, exprs...)...)
		} else {
			x.add(text, exprs...)
		}
		printed = true
	}
	// xt_tcpudp tests (flags & mask) == comp, inverted by "!". Flags
	// outside the mask: never equal (refused, as is its inverse, which
	// always matches). A zero mask with a zero comp: always equal, so the
	// match tests nothing, and "!" never matches (refused too).
	if t.FlagsSet && t.FlagOn&^t.FlagMask != 0 {
		return fmt.Errorf("--tcp-flags %s %s never matches (flags outside the mask): %w",
			formatTCPFlags(t.FlagMask, true), formatTCPFlags(t.FlagOn, true), ErrUnsupported)
	}
	if t.FlagsSet && t.FlagMask == 0 && t.FlagsInvert {
		return fmt.Errorf("! --tcp-flags NONE NONE never matches (a zero mask always compares equal): %w", ErrUnsupported)
	}
	if t.FlagsSet && t.FlagMask != 0 {
		on := formatTCPFlags(t.FlagOn, false)
		if on == "" {
			on = "0x0"
		}
		exprs := append(x.needL4(protoTCP),
			payload(expr.PayloadBaseTransportHeader, 13, 1),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{t.FlagMask}, Xor: []byte{0}},
			cmp(t.FlagsInvert, []byte{t.FlagOn}))
		x.add(fmt.Sprintf("tcp flags %s%s / %s", neq(t.FlagsInvert), on, formatTCPFlags(t.FlagMask, false)), exprs...)
		printed = true
	}
	if !printed {
		x.l4Only("tcp", protoTCP)
	}
	return nil
}
