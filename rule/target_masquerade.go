package rule

import (
	"github.com/google/nftables/expr"
)

// Masquerade is -j MASQUERADE: source NAT to the outgoing interface's
// address (only meaningful in table nat, which the caller checks).
type Masquerade struct {
	// Ports is --to-ports (when PortsSet).
	Ports    PortRange
	PortsSet bool
	NATFlags
}

func newMasquerade(*Rule) (Target, error) { return &Masquerade{}, nil }

// Name returns "MASQUERADE".
func (m *Masquerade) Name() string { return "MASQUERADE" }

func (m *Masquerade) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt == "--to-ports" {
		return parseToPortsOpt(p, opt, invert, &m.Ports, &m.PortsSet)
	}
	return m.NATFlags.parse(opt, invert, true, false)
}

// parseToPortsOpt handles --to-ports for MASQUERADE and REDIRECT.
func parseToPortsOpt(p *parser, opt string, invert bool, ports *PortRange, set *bool) (bool, error) {
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if *set {
		return true, argError(opt, "may only be given once")
	}
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if *ports, err = parseToPorts(v); err != nil {
		return true, err
	}
	*set = true
	return true, nil
}

func (m *Masquerade) finish(r *Rule) error {
	if m.PortsSet && !l4PortProto(r) {
		return argError("--to-ports", "needs -p tcp, udp, sctp or dccp")
	}
	return nil
}

func (m *Masquerade) args() []string {
	var out []string
	if m.PortsSet {
		out = append(out, "--to-ports", m.Ports.nft())
	}
	return append(out, m.NATFlags.args()...)
}

func (m *Masquerade) xlate(x *xlator) error {
	if m.PortsSet {
		// nft sends the port registers together with the "ports given"
		// flag; google/nftables' Masq drops the flags whenever it carries
		// ports, and without that flag the kernel ignores the ports.
		return unsupported("MASQUERADE --to-ports (google/nftables cannot encode masquerade ports with their flags)")
	}
	x.add("masquerade"+m.NATFlags.nft(), &expr.Masq{Random: m.Random, FullyRandom: m.FullyRandom})
	return nil
}
