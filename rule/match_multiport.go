package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// MaxMultiports is the most ports one multiport match holds; a range counts
// as two.
const MaxMultiports = 15

// Multiport is the multiport match: a list of ports and port ranges matched
// against the source port, the destination port, or either (--ports).
type Multiport struct {
	// Dir is "--sports", "--dports" or "--ports".
	Dir    string
	Ports  []PortRange // in the order given, as iptables keeps them
	Invert bool
}

// Name returns "multiport".
func (m *Multiport) Name() string   { return "multiport" }
func (m *Multiport) stateful() bool { return false }

func (m *Multiport) parse(p *parser, opt string, invert bool) (bool, error) {
	var dir string
	switch opt {
	case "--sports", "--source-ports":
		dir = "--sports"
	case "--dports", "--destination-ports":
		dir = "--dports"
	case "--ports":
		dir = "--ports"
	default:
		return false, nil
	}
	if m.Dir != "" {
		return true, argError(opt, "multiport takes only one of --sports, --dports and --ports")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	// libxt_multiport resolves names with getservbyname for the rule's
	// protocol (an earlier -p, which it requires) and reads numbers with
	// base 0.
	parseRange := parsePortRange
	if pr := p.rule.Proto; pr.Set && !pr.Invert && multiportProtos[pr.Num] {
		parseRange = func(item string) (PortRange, error) { return parsePortSpec(item, protoName(pr.Num)) }
	}
	count := 0
	for _, item := range strings.Split(v, ",") {
		r, err := parseRange(item)
		if err != nil {
			return true, err
		}
		m.Ports = append(m.Ports, r)
		count++
		if strings.Contains(item, ":") {
			count++
		}
	}
	if count > MaxMultiports {
		return true, argError(v, "too many ports (at most %d, a range counts as two)", MaxMultiports)
	}
	m.Dir, m.Invert = dir, invert
	return true, nil
}

// multiportProtos are the protocols multiport works with.
var multiportProtos = map[uint8]bool{protoTCP: true, protoUDP: true, 33: true, 136: true, protoSCTP: true}

func (m *Multiport) finish(r *Rule) error {
	if m.Dir == "" {
		return argError("-m multiport", "needs --sports, --dports or --ports")
	}
	if !r.Proto.Set || r.Proto.Invert || !multiportProtos[r.Proto.Num] {
		return argError("-m multiport", "needs -p tcp, udp, udplite, sctp or dccp")
	}
	return nil
}

func (m *Multiport) args() []string {
	items := make([]string, len(m.Ports))
	for i, r := range m.Ports {
		items[i] = r.String()
	}
	var out []string
	if m.Invert {
		out = append(out, "!")
	}
	return append(out, m.Dir, strings.Join(items, ","))
}

func (m *Multiport) xlate(x *xlator) error {
	proto := x.rule.Proto.Num
	name := protoName(proto)
	if m.Dir == "--ports" {
		return m.xlateEither(x, proto, name)
	}
	field, off := "sport", uint32(0)
	if m.Dir == "--dports" {
		field, off = "dport", 2
	}
	exprs := append(x.needL4(proto), payload(expr.PayloadBaseTransportHeader, off, 2))
	if len(m.Ports) == 1 {
		r := m.Ports[0]
		if r.Lo == r.Hi {
			exprs = append(exprs, cmp(m.Invert, be16(r.Lo)))
		} else {
			exprs = append(exprs, rangeCmp(m.Invert, be16(r.Lo), be16(r.Hi))...)
		}
		x.addLazy(func() string { return fmt.Sprintf("%s %s %s%s", name, field, neq(m.Invert), r.nft()) }, exprs...)
		return nil
	}
	set := &AnonSet{KeyType: nftables.TypeInetService}
	if hasRange(m.Ports) {
		set.Interval = true
		set.Elements = portIntervalElements(m.Ports)
	} else {
		seen := map[uint16]bool{}
		for _, r := range m.Ports {
			if !seen[r.Lo] {
				seen[r.Lo] = true
				set.Elements = append(set.Elements, nftables.SetElement{Key: be16(r.Lo)})
			}
		}
	}
	exprs = append(exprs, x.addSet(set, m.Invert))
	x.addLazy(func() string {
		items := make([]string, len(m.Ports))
		for i, r := range m.Ports {
			items[i] = r.nft()
		}
		return fmt.Sprintf("%s %s %s{ %s }", name, field, neq(m.Invert), strings.Join(items, ", "))
	}, exprs...)
	return nil
}

// xlateEither translates --ports: the pair (source port, destination port)
// is looked up in a set of intervals where one side is the port and the
// other side is any port. The kernel refuses overlapping elements of such
// a set (EEXIST, ENOTEMPTY), checking the start and end of each new
// element: the ranges are merged first, and a list with port 0 (the start
// (P, 0) of every "P . 0-65535" is in "0-65535 . 0") or port 65535 (the
// end (65535, P) of every "0-65535 . P" is in "65535 . 0-65535") installs
// xt_multiport itself.
func (m *Multiport) xlateEither(x *xlator, proto uint8, name string) error {
	keyType, err := nftables.ConcatSetType(nftables.TypeInetService, nftables.TypeInetService)
	if err != nil {
		return fmt.Errorf("building the set type: %w", err)
	}
	set := &AnonSet{KeyType: keyType, Interval: true, Concat: true}
	pad := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v), 0, 0} }
	var items []string
	for _, r := range m.Ports {
		items = append(items, "0-65535 . "+r.nft(), r.nft()+" . 0-65535")
	}
	text := fmt.Sprintf("%s sport . %s dport %s{ %s }", name, name, neq(m.Invert), strings.Join(items, ", "))
	merged := mergePortRanges(m.Ports)
	if merged[0].Lo == 0 || merged[len(merged)-1].Hi == 0xffff {
		return m.xlateXt(x, text) // match_multiport_xt.go
	}
	for _, r := range merged {
		set.Elements = append(set.Elements,
			nftables.SetElement{Key: append(pad(0), pad(r.Lo)...), KeyEnd: append(pad(0xffff), pad(r.Hi)...)},
			nftables.SetElement{Key: append(pad(r.Lo), pad(0)...), KeyEnd: append(pad(r.Hi), pad(0xffff)...)})
	}
	exprs := append(x.needL4(proto),
		payload(expr.PayloadBaseTransportHeader, 0, 2),
		&expr.Payload{DestRegister: 9, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		x.addSet(set, m.Invert))
	x.add(text, exprs...)
	return nil
}
