package rule

import (
	"fmt"
	"strconv"
	"strings"
)

// A NAT port range may end in a base port, "P-Q/BASE" (libxt_DNAT's
// parse_ports, which iptables 1.8.9 also uses for SNAT, MASQUERADE and
// REDIRECT): it sets NF_NAT_RANGE_PROTO_OFFSET, so that the kernel maps a
// port to P + (port - BASE) instead of choosing one in P-Q. Only DNAT's
// revision 2 (struct nf_nat_range2) carries BASE itself; the other
// targets' structs have no room for it, so the kernel reads BASE as 0
// there (the mapped port is P + port), and iptables-save prints "/0".
// nft's nat statements have no base port at all: such a rule is
// installed as its xt target only, and iptables-translate prints it
// commented out (ErrNoNftText), whatever else the rule holds.

// noBasePort is the refusal of the nat statement stmt ("dnat to ...")
// for its base port.
func noBasePort(stmt string) error {
	return fmt.Errorf("%s: nft has no statement for a base port (/BASE): %w", stmt, ErrNoNftText)
}

// parseNATPorts parses the port part of a NAT range as iptables 1.8.9
// does: "P", "P-Q" or "P-Q/BASE". A base needs the dash form ("P/BASE" is
// "garbage after port value"); base is 0 when there is none (iptables
// refuses a base of 0).
func parseNATPorts(v string) (r PortRange, base uint16, err error) {
	ports, b, hasBase := strings.Cut(v, "/")
	if hasBase && !strings.Contains(ports, "-") {
		return r, 0, argError(v, "garbage after port value: a base port (/BASE) needs a port range P-Q")
	}
	if r, err = parseToPorts(ports); err != nil || !hasBase {
		return r, 0, err
	}
	if base, err = parseNATBase(b); err != nil {
		return r, 0, argError(v, "%v", err)
	}
	return r, base, nil
}

// withBase prints the range with its base port as iptables-save does,
// but for a range of one port, which it prints "P/BASE" and iptables
// refuses to read back: "P-P/BASE" is the same.
func (r PortRange) withBase(base uint16) string {
	if base == 0 {
		return r.nft()
	}
	return fmt.Sprintf("%d-%d/%d", r.Lo, r.Hi, base)
}

// parseNATBase parses BASE as libxt_DNAT does: xtables_strtoui's number
// in C's base 0 (hex, octal, decimal, a leading '+' or blanks allowed),
// whatever follows it ignored; else a whole service name.
func parseNATBase(v string) (uint16, error) {
	if n, ok := strtouiPrefix(v); ok && n >= 1 && n <= 0xffff {
		return uint16(n), nil
	}
	if n, ok := services[v]; ok && n != 0 {
		return n, nil
	}
	return 0, argError(v, "not a base port (1-65535 or a service name)")
}

// strtouiPrefix is C's strtoumax(v, &end, 0) as xtables_strtoui calls it
// with an end pointer: the number at v's start, ok when it has one digit
// at least and does not overflow. What follows the number is not looked at.
func strtouiPrefix(v string) (uint64, bool) {
	s := strings.TrimLeft(v, " \t\n\v\f\r")
	s = strings.TrimPrefix(s, "+")
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") && isDigitIn(s[2], 16):
		s, base = s[2:], 16
	case len(s) > 0 && s[0] == '0':
		base = 8
	}
	n := 0
	for n < len(s) && isDigitIn(s[n], base) {
		n++
	}
	if n == 0 {
		return 0, false
	}
	u, err := strconv.ParseUint(s[:n], base, 64)
	return u, err == nil
}

// isDigitIn reports whether c is a digit of the base (8, 10 or 16).
func isDigitIn(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '7':
		return true
	case c == '8' || c == '9':
		return base >= 10
	case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		return base == 16
	}
	return false
}
