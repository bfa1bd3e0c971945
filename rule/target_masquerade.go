package rule

import (
	"strings"

	"github.com/google/nftables/expr"
)

// Masquerade is -j MASQUERADE: source NAT to the outgoing interface's
// address (only meaningful in table nat, which the caller checks).
type Masquerade struct {
	// Ports is --to-ports (when PortsSet).
	Ports    PortRange
	PortsSet bool
	// Base is the base port of --to-ports P-Q/BASE (target_nat_base.go),
	// 0 when there is none. REDIRECT has none: iptables 1.8.9 refuses it
	// there ("shifted portmap ranges not supported").
	Base uint16
	NATFlags
	fam Family // which of the family's xtables forms (xtInfo)
	l4  bool   // whether nft states ports after the rule's -p (natPortsNative)
}

func newMasquerade(r *Rule) (Target, error) { return &Masquerade{fam: r.Family}, nil }

// Name returns "MASQUERADE".
func (m *Masquerade) Name() string { return "MASQUERADE" }

func (m *Masquerade) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt == "--to-ports" {
		return parseToPortsOpt(p, opt, invert, &m.Ports, &m.PortsSet, &m.Base)
	}
	return m.NATFlags.parse(opt, invert, true, false)
}

// parseToPortsOpt handles --to-ports for MASQUERADE and REDIRECT; base
// is nil where the target takes no base port.
func parseToPortsOpt(p *parser, opt string, invert bool, ports *PortRange, set *bool, base *uint16) (bool, error) {
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, *set)
	if err != nil {
		return true, err
	}
	if base == nil {
		if strings.Contains(v, "/") {
			return true, argError(v, "the target takes no base port (/BASE); iptables refuses it too: shifted portmap ranges not supported")
		}
		*ports, err = parseToPorts(v)
	} else {
		*ports, *base, err = parseNATPorts(v)
	}
	if err != nil {
		return true, err
	}
	*set = true
	return true, nil
}

// load returns the expressions that load the port range into registers as
// nft does for "to :P-Q", and the registers of the low and high port (0 for
// the high one when the range is a single port).
func (r PortRange) load() (exprs []expr.Any, lo, hi uint32) {
	exprs = []expr.Any{&expr.Immediate{Register: 1, Data: be16(r.Lo)}}
	if r.Hi == r.Lo {
		return exprs, 1, 0
	}
	return append(exprs, &expr.Immediate{Register: 2, Data: be16(r.Hi)}), 1, 2
}

func (m *Masquerade) finish(r *Rule) error {
	if m.PortsSet && !natPortProto(r) {
		return argError("--to-ports", "needs -p tcp, udp, sctp, dccp or icmp")
	}
	m.l4 = l4PortProto(r)
	return nil
}

func (m *Masquerade) args() []string {
	var out []string
	if m.PortsSet {
		out = append(out, "--to-ports", m.Ports.withBase(m.Base))
	}
	return append(out, m.NATFlags.args()...)
}

func (m *Masquerade) xlate(x *xlator) error { return xlateOrXt(x, m.xlateNative, m) }

// xlateNative is nft's masquerade statement, which has no base port.
func (m *Masquerade) xlateNative(x *xlator) error {
	if m.Base != 0 {
		return noBasePort("masquerade to :" + m.Ports.withBase(m.Base))
	}
	if err := natPortsNative("masquerade to :"+m.Ports.nft(), m.PortsSet, m.l4); err != nil {
		return err
	}
	if !m.PortsSet {
		x.addLazy(func() string { return "masquerade" + m.NATFlags.nft() }, &expr.Masq{Random: m.Random, FullyRandom: m.FullyRandom})
		return nil
	}
	// nft loads the ports into registers and sends them with the "ports
	// given" flag, which google/nftables' Masq leaves out: MasqPorts adds it.
	exprs, lo, hi := m.Ports.load()
	mq := &MasqPorts{Masq: expr.Masq{ToPorts: true, RegProtoMin: lo, RegProtoMax: hi, Random: m.Random, FullyRandom: m.FullyRandom}}
	x.add("masquerade to :"+m.Ports.nft()+m.NATFlags.nft(), append(exprs, mq)...)
	return nil
}
