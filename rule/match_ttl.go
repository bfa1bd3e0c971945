package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

// TTL is the ttl match (IPv4 time to live) or the hl match (IPv6 hop
// limit): equal to, less than or greater than a value.
type TTL struct {
	V6 bool
	// Op is "eq", "lt" or "gt"; only "eq" can be inverted.
	Op     string
	Value  uint8
	Invert bool
}

func newTTL(r *Rule) (Match, error) {
	if r.Family != IPv4 {
		return nil, argError("ttl", "is an IPv4 match: use -m hl with ip6tables")
	}
	return &TTL{}, nil
}

func newHL(r *Rule) (Match, error) {
	if r.Family != IPv6 {
		return nil, argError("hl", "is an IPv6 match: use -m ttl with iptables")
	}
	return &TTL{V6: true}, nil
}

// Name returns "ttl" or "hl".
func (m *TTL) Name() string {
	if m.V6 {
		return "hl"
	}
	return "ttl"
}
func (m *TTL) stateful() bool { return false }

func (m *TTL) parse(p *parser, opt string, invert bool) (bool, error) {
	op, ok := strings.CutPrefix(opt, "--"+m.Name()+"-")
	if !ok || (op != "eq" && op != "lt" && op != "gt") {
		return false, nil
	}
	if m.Op != "" {
		return true, argError(opt, "only one of --%[1]s-eq, --%[1]s-lt and --%[1]s-gt may be given", m.Name())
	}
	if invert && op != "eq" {
		return true, argError(opt, "cannot be negated")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	// iptables reads the value as strtoul with base 0: "010" is 8, "0x10" 16.
	n, err := parseUint(v, 8)
	if err != nil {
		return true, argError(v, "must be a number from 0 to 255")
	}
	m.Op, m.Value, m.Invert = op, uint8(n), invert
	return true, nil
}

func (m *TTL) finish(*Rule) error {
	if m.Op == "" {
		return argError("-m "+m.Name(), "needs --%[1]s-eq, --%[1]s-lt or --%[1]s-gt", m.Name())
	}
	return nil
}

func (m *TTL) args() []string {
	out := []string{"--" + m.Name() + "-" + m.Op, strconv.Itoa(int(m.Value))}
	if m.Invert {
		return append([]string{"!"}, out...)
	}
	return out
}

func (m *TTL) xlate(x *xlator) error {
	field, off := "ip ttl", uint32(8)
	if m.V6 {
		field, off = "ip6 hoplimit", 7
	}
	op, word := cmpOp(m.Invert), neq(m.Invert)
	switch m.Op {
	case "lt":
		op, word = expr.CmpOpLt, "lt "
	case "gt":
		op, word = expr.CmpOpGt, "gt "
	}
	x.add(fmt.Sprintf("%s %s%d", field, word, m.Value),
		payload(expr.PayloadBaseNetworkHeader, off, 1), &expr.Cmp{Op: op, Register: 1, Data: []byte{m.Value}})
	return nil
}
