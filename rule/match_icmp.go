package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
)

const (
	protoICMP   = 1
	protoICMPv6 = 58
)

// icmpName is an ICMP type (and code range) name iptables accepts, with
// the name nft uses for the type ("" when nft has none or the name selects
// a single code, which iptables-translate cannot translate).
type icmpName struct {
	name             string
	typ              uint8
	codeMin, codeMax uint8
	nft              string
}

// icmpNames are iptables' ICMP names (libxt_icmp), "any" (type 255) first
// as there.
var icmpNames = []icmpName{
	{"any", 0xff, 0, 0xff, ""},
	{"echo-reply", 0, 0, 0xff, "echo-reply"}, {"pong", 0, 0, 0xff, "echo-reply"},
	{"destination-unreachable", 3, 0, 0xff, "destination-unreachable"},
	{"network-unreachable", 3, 0, 0, ""}, {"host-unreachable", 3, 1, 1, ""},
	{"protocol-unreachable", 3, 2, 2, ""}, {"port-unreachable", 3, 3, 3, ""},
	{"fragmentation-needed", 3, 4, 4, ""}, {"source-route-failed", 3, 5, 5, ""},
	{"network-unknown", 3, 6, 6, ""}, {"host-unknown", 3, 7, 7, ""},
	{"network-prohibited", 3, 9, 9, ""}, {"host-prohibited", 3, 10, 10, ""},
	{"TOS-network-unreachable", 3, 11, 11, ""}, {"TOS-host-unreachable", 3, 12, 12, ""},
	{"communication-prohibited", 3, 13, 13, ""}, {"host-precedence-violation", 3, 14, 14, ""},
	{"precedence-cutoff", 3, 15, 15, ""},
	{"source-quench", 4, 0, 0xff, "source-quench"},
	{"redirect", 5, 0, 0xff, "redirect"}, {"network-redirect", 5, 0, 0, ""},
	{"host-redirect", 5, 1, 1, ""}, {"TOS-network-redirect", 5, 2, 2, ""},
	{"TOS-host-redirect", 5, 3, 3, ""},
	{"echo-request", 8, 0, 0xff, "echo-request"}, {"ping", 8, 0, 0xff, "echo-request"},
	{"router-advertisement", 9, 0, 0xff, "router-advertisement"},
	{"router-solicitation", 10, 0, 0xff, "router-solicitation"},
	{"time-exceeded", 11, 0, 0xff, "time-exceeded"}, {"ttl-exceeded", 11, 0, 0xff, "time-exceeded"},
	{"ttl-zero-during-transit", 11, 0, 0, ""}, {"ttl-zero-during-reassembly", 11, 1, 1, ""},
	{"parameter-problem", 12, 0, 0xff, "parameter-problem"},
	{"ip-header-bad", 12, 0, 0, ""}, {"required-option-missing", 12, 1, 1, ""},
	{"timestamp-request", 13, 0, 0xff, "timestamp-request"},
	{"timestamp-reply", 14, 0, 0xff, "timestamp-reply"},
	{"address-mask-request", 17, 0, 0xff, "address-mask-request"},
	{"address-mask-reply", 18, 0, 0xff, "address-mask-reply"},
}

// icmpv6Names are ip6tables' ICMPv6 names (libip6t_icmp6) with nft's names.
var icmpv6Names = []icmpName{
	{"destination-unreachable", 1, 0, 0xff, "destination-unreachable"},
	{"no-route", 1, 0, 0, ""}, {"communication-prohibited", 1, 1, 1, ""},
	{"beyond-scope", 1, 2, 2, ""}, {"address-unreachable", 1, 3, 3, ""},
	{"port-unreachable", 1, 4, 4, ""}, {"failed-policy", 1, 5, 5, ""},
	{"reject-route", 1, 6, 6, ""},
	{"packet-too-big", 2, 0, 0xff, "packet-too-big"},
	{"time-exceeded", 3, 0, 0xff, "time-exceeded"}, {"ttl-exceeded", 3, 0, 0xff, "time-exceeded"},
	{"ttl-zero-during-transit", 3, 0, 0, ""}, {"ttl-zero-during-reassembly", 3, 1, 1, ""},
	{"parameter-problem", 4, 0, 0xff, "parameter-problem"},
	{"bad-header", 4, 0, 0, ""}, {"unknown-header-type", 4, 1, 1, ""},
	{"unknown-option", 4, 2, 2, ""},
	{"echo-request", 128, 0, 0xff, "echo-request"}, {"ping", 128, 0, 0xff, "echo-request"},
	{"echo-reply", 129, 0, 0xff, "echo-reply"}, {"pong", 129, 0, 0xff, "echo-reply"},
	{"mld-listener-query", 130, 0, 0xff, "mld-listener-query"},
	{"mld-listener-report", 131, 0, 0xff, "mld-listener-report"},
	{"mld-listener-done", 132, 0, 0xff, "mld-listener-done"},
	{"mld-listener-reduction", 132, 0, 0xff, "mld-listener-done"},
	{"router-solicitation", 133, 0, 0xff, "nd-router-solicit"},
	{"router-advertisement", 134, 0, 0xff, "nd-router-advert"},
	{"neighbour-solicitation", 135, 0, 0xff, "nd-neighbor-solicit"},
	{"neighbor-solicitation", 135, 0, 0xff, "nd-neighbor-solicit"},
	{"neighbour-advertisement", 136, 0, 0xff, "nd-neighbor-advert"},
	{"neighbor-advertisement", 136, 0, 0xff, "nd-neighbor-advert"},
	{"redirect", 137, 0, 0xff, "nd-redirect"},
}

// ICMP is the icmp match (IPv4) or the icmp6 match (IPv6): an ICMP type,
// optionally a code range, or "any".
type ICMP struct {
	V6 bool
	// Any is --icmp-type any: every ICMP packet.
	Any              bool
	Type             uint8
	CodeMin, CodeMax uint8
	Invert           bool
	set              bool
}

// Name returns "icmp" or "icmp6".
func (m *ICMP) Name() string {
	if m.V6 {
		return "icmp6"
	}
	return "icmp"
}
func (m *ICMP) stateful() bool { return false }

func (m *ICMP) option() string {
	if m.V6 {
		return "--icmpv6-type"
	}
	return "--icmp-type"
}

func (m *ICMP) names() []icmpName {
	if m.V6 {
		return icmpv6Names
	}
	return icmpNames
}

func (m *ICMP) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != m.option() {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	m.set, m.Invert = true, invert
	if n, err := m.lookup(v); n != nil || err != nil {
		if err != nil {
			return true, err
		}
		if n.name == "any" {
			m.Any = true
			return true, nil
		}
		m.Type, m.CodeMin, m.CodeMax = n.typ, n.codeMin, n.codeMax
		return true, nil
	}
	typ, code, hasCode := strings.Cut(v, "/")
	t, err := strconv.ParseUint(typ, 10, 8)
	if err != nil {
		return true, argError(v, "unknown ICMP type (a name, TYPE or TYPE/CODE)")
	}
	m.Type, m.CodeMin, m.CodeMax = uint8(t), 0, 0xff
	if hasCode {
		c, err := strconv.ParseUint(code, 10, 8)
		if err != nil {
			return true, argError(v, "bad ICMP code")
		}
		m.CodeMin, m.CodeMax = uint8(c), uint8(c)
	}
	if !m.V6 && m.Type == 0xff {
		// ipt_icmp reads type 255 as any ICMP packet, whatever the
		// codes; iptables-save prints it as "any".
		m.Any = true
	}
	return true, nil
}

// lookup finds a type name as iptables does: any unambiguous prefix of a
// name, in any case ("frag" is fragmentation-needed, "e" is refused as
// either echo-reply or echo-request). It returns nil when no name starts
// with v (v may be a number).
func (m *ICMP) lookup(v string) (*icmpName, error) {
	var found *icmpName
	names := m.names()
	for i := range names {
		n := &names[i]
		if len(v) > len(n.name) || !strings.EqualFold(n.name[:len(v)], v) {
			continue
		}
		if found != nil {
			return nil, argError(v, "ambiguous ICMP type: %s or %s", found.name, n.name)
		}
		found = n
	}
	return found, nil
}

func (m *ICMP) finish(r *Rule) error {
	if !m.set {
		return argError("-m "+m.Name(), "needs %s", m.option())
	}
	proto := uint8(protoICMP)
	if m.V6 {
		proto = protoICMPv6
	}
	// iptables-translate accepts -m icmp without -p; the translation's
	// "icmp type" carries the protocol itself.
	if r.Proto.Set && (r.Proto.Invert || r.Proto.Num != proto) {
		return argError("-m "+m.Name(), "needs -p %s", protoName(proto))
	}
	return nil
}

func (m *ICMP) args() []string {
	var out []string
	if m.Invert {
		out = append(out, "!")
	}
	v := strconv.Itoa(int(m.Type))
	switch {
	case m.Any:
		v = "any"
	case m.CodeMin != 0 || m.CodeMax != 0xff:
		v += "/" + strconv.Itoa(int(m.CodeMin))
	}
	return append(out, m.option(), v)
}

func (m *ICMP) xlate(x *xlator) error {
	if m.needsXt() {
		return m.xtXlate(x) // match_icmp_xt.go
	}
	if m.Any {
		if x.l4 != protoICMP {
			x.l4 = protoICMP
			x.add("ip protocol icmp", payload(expr.PayloadBaseNetworkHeader, 9, 1), cmp(false, []byte{protoICMP}))
		}
		return nil
	}
	name := m.nftName()
	if name == "" {
		name = strconv.Itoa(int(m.Type))
	}
	proto, word := uint8(protoICMP), "icmp"
	if m.V6 {
		proto, word = protoICMPv6, "icmpv6"
	}
	dep := x.needL4(proto)
	if m.CodeMin == 0 && m.CodeMax == 0xff {
		exprs := append(dep, payload(expr.PayloadBaseTransportHeader, 0, 1), cmp(m.Invert, []byte{m.Type}))
		x.add(fmt.Sprintf("%s type %s%s", word, neq(m.Invert), name), exprs...)
		return nil
	}
	// A type and a code: one test of the two bytes, as nft merges
	// "icmp type T icmp code C" and as the negation needs (not type T
	// or not code C). iptables-translate translates no code; nft reads
	// the negated test only in raw form, which needs its dependency
	// spelled out.
	exprs := append(dep, payload(expr.PayloadBaseTransportHeader, 0, 2), cmp(m.Invert, []byte{m.Type, m.CodeMin}))
	text := fmt.Sprintf("%s type %s %s code %d", word, name, word, m.CodeMin)
	if m.Invert {
		text = fmt.Sprintf("@th,0,16 != 0x%04x", uint16(m.Type)<<8|uint16(m.CodeMin))
		if dep != nil {
			text = "meta l4proto " + protoName(proto) + " " + text
		}
	}
	x.add(text, exprs...)
	return nil
}

func newICMP(r *Rule) (Match, error) {
	if r.Family != IPv4 {
		return nil, argError("icmp", "is an IPv4 match: use -m icmp6 (-p ipv6-icmp) with ip6tables")
	}
	return &ICMP{}, nil
}

func newICMP6(r *Rule) (Match, error) {
	if r.Family != IPv6 {
		return nil, argError("icmp6", "is an IPv6 match: use -m icmp (-p icmp) with iptables")
	}
	return &ICMP{V6: true}, nil
}
