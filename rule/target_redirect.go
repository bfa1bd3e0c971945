package rule

import (
	"github.com/google/nftables/expr"
)

// Redirect is -j REDIRECT: destination NAT to the local machine (only
// meaningful in table nat, which the caller checks).
type Redirect struct {
	// Ports is --to-ports (when PortsSet).
	Ports    PortRange
	PortsSet bool
	NATFlags
	fam Family // which of the family's xtables forms (xtInfo)
	l4  bool   // whether nft states ports after the rule's -p (natPortsNative)
}

func newRedirect(r *Rule) (Target, error) { return &Redirect{fam: r.Family}, nil }

// Name returns "REDIRECT".
func (d *Redirect) Name() string { return "REDIRECT" }

func (d *Redirect) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt == "--to-ports" {
		return parseToPortsOpt(p, opt, invert, &d.Ports, &d.PortsSet, nil)
	}
	return d.NATFlags.parse(opt, invert, false, false)
}

func (d *Redirect) finish(r *Rule) error {
	if d.PortsSet && !natPortProto(r) {
		return argError("--to-ports", "needs -p tcp, udp, sctp, dccp or icmp")
	}
	d.l4 = l4PortProto(r)
	return nil
}

func (d *Redirect) args() []string {
	var out []string
	if d.PortsSet {
		out = append(out, "--to-ports", d.Ports.nft())
	}
	return append(out, d.NATFlags.args()...)
}

func (d *Redirect) xlate(x *xlator) error { return xlateOrXt(x, d.xlateNative, d) }

// xlateNative is nft's redirect statement.
func (d *Redirect) xlateNative(x *xlator) error {
	if err := natPortsNative("redirect to :"+d.Ports.nft(), d.PortsSet, d.l4); err != nil {
		return err
	}
	text := "redirect"
	var exprs []expr.Any
	e := &expr.Redir{Flags: d.NATFlags.bits(d.PortsSet)}
	if d.PortsSet {
		text += " to :" + d.Ports.nft()
		exprs, e.RegisterProtoMin, e.RegisterProtoMax = d.Ports.load()
	}
	x.add(text+d.NATFlags.nft(), append(exprs, e)...)
	return nil
}
