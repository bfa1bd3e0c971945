package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
)

// tgUint parses an unsigned number of at most max the way iptables'
// xtables_strtoui does (see strtoul).
func tgUint(v string, max uint64) (uint64, error) {
	n, ok := strtoul(v)
	if !ok {
		return 0, argError(v, "not a number")
	}
	if n > max {
		return 0, argError(v, "must be at most %d", max)
	}
	return n, nil
}

// tgValue fetches the value of opt and parses it with tgUint.
func tgValue(p *parser, opt string, max uint64) (uint64, error) {
	v, err := p.value(opt)
	if err != nil {
		return 0, err
	}
	return tgUint(v, max)
}

// tgMarkMask parses iptables' "VALUE[/MASK]" (32-bit each). A missing mask
// is all ones.
func tgMarkMask(v string) (value, mask uint32, err error) {
	vs, ms, hasMask := strings.Cut(v, "/")
	n, err := tgUint(vs, 0xffffffff)
	if err != nil {
		return 0, 0, err
	}
	m := uint64(0xffffffff)
	if hasMask {
		if m, err = tgUint(ms, 0xffffffff); err != nil {
			return 0, 0, err
		}
	}
	return uint32(n), uint32(m), nil
}

// noInvert refuses "! --option" for target options, none of which can be
// negated.
func noInvert(opt string, invert bool) error {
	if invert {
		return argError(opt, "cannot be negated")
	}
	return nil
}

// unsupported builds the error for valid iptables that nftsync cannot
// translate exactly.
func unsupported(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrUnsupported)
}

// bitwiseMark loads src (a meta or ct mark) into register 1, applies
// (x & mask) ^ xor as nft folds "and"/"or"/"xor" into one bitwise, and
// returns the expressions; the caller appends the store.
func bitwiseMark(load expr.Any, mask, xor uint32) []expr.Any {
	return []expr.Any{load, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: ne32(mask), Xor: ne32(xor)}}
}

// l4PortProto reports whether a rule's -p allows port options (NAT
// --to-ports and address:port), as iptables requires.
func l4PortProto(r *Rule) bool {
	if !r.Proto.Set || r.Proto.Invert {
		return false
	}
	switch r.Proto.Num {
	case protoTCP, protoUDP, protoSCTP, 33: // 33 is dccp
		return true
	}
	return false
}

// natPortProto reports whether iptables 1.8.9 takes a NAT port for the
// rule's -p: libxt_DNAT's (and SNAT's, MASQUERADE's, REDIRECT's) portok
// is -p tcp, udp, sctp, dccp or icmp (protocol 1, in ip6tables too),
// whether or not negated ("! -p tcp" takes ports). The kernel maps what
// the protocol has (ICMP's id; no port for others). nft's statements
// state ports only after a positive tcp, udp, sctp or dccp
// (l4PortProto): the others are installed as the xt target.
func natPortProto(r *Rule) bool {
	if !r.Proto.Set {
		return false
	}
	switch r.Proto.Num {
	case protoTCP, protoUDP, protoSCTP, 33, protoICMP:
		return true
	}
	return false
}

// natPortsNative returns nil where nft's NAT statements can state ports
// for the rule's -p, else why not (ErrUnsupported: the xt target is
// installed, xlateOrXt).
func natPortsNative(kw string, ports, native bool) error {
	if ports && !native {
		return unsupported("%s with a port and a -p other than tcp, udp, sctp or dccp", kw)
	}
	return nil
}

// parseToPorts parses --to-ports "P" or "P-Q" (a dash: iptables refuses
// the colon form here).
func parseToPorts(v string) (PortRange, error) {
	if strings.Contains(v, ":") {
		return PortRange{}, argError(v, "invalid port:port syntax, use a dash (P-Q)")
	}
	lo, hi, isRange := strings.Cut(v, "-")
	a, err := parsePort(lo)
	if err != nil {
		return PortRange{}, err
	}
	b := a
	if isRange {
		if b, err = parsePort(hi); err != nil {
			return PortRange{}, err
		}
	}
	if a > b {
		return PortRange{}, argError(v, "port range is inverted (%d > %d)", a, b)
	}
	return PortRange{a, b}, nil
}
