package rule

import (
	"fmt"
	"net/netip"

	"github.com/nftsync/nftsync/rule/xt"
)

// Netmap is -j NETMAP --to ADDR/PREFIX: map the network part of the
// destination (PREROUTING, OUTPUT) or source (POSTROUTING, INPUT) address
// to ADDR's, keeping the host part.
//
// iptables-translate has no text for it. The kernel loads the target only
// in a table named nat, so the rule is refused in nftsync's tables.
type Netmap struct {
	To  Addr // masked; the mask is a prefix
	fam Family
	set bool
}

func newNetmap(r *Rule) (Target, error) { return &Netmap{fam: r.Family}, nil }

// Name returns "NETMAP".
func (n *Netmap) Name() string { return "NETMAP" }

func (n *Netmap) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--to" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, n.set)
	if err != nil {
		return true, err
	}
	a, err := parseAddr(n.fam, v)
	if err != nil {
		return true, err
	}
	// iptables saves a mask that is no prefix as a /32 it does not
	// mean: refused rather than guessed.
	if _, ok := prefixLen(a.Mask); !ok {
		return true, argError(v, "the netmask must be a prefix")
	}
	n.To, n.set = a, true
	return true, nil
}

func (n *Netmap) finish(*Rule) error {
	if !n.set {
		return argError("-j NETMAP", "needs --to")
	}
	return nil
}

// args: iptables-save prints the masked address and the prefix length.
func (n *Netmap) args() []string {
	bits, _ := prefixLen(n.To.Mask)
	return []string{"--to", fmt.Sprintf("%s/%d", n.To.IP, bits)}
}

func (n *Netmap) xlate(x *xlator) error {
	ext, info := n.xtInfo()
	return x.addXtOnly("iptables-translate has no text for NETMAP", ext, info)
}

// xtInfo encodes the target's range: the network and its last address.
func (n *Netmap) xtInfo() (*xt.Ext, []byte) {
	hi := n.To.IP.AsSlice()
	for i, m := range n.To.Mask.AsSlice() {
		hi[i] |= ^m
	}
	max, _ := netip.AddrFromSlice(hi)
	info := xt.Netmap{Min: n.To.IP, Max: max}.Marshal()
	if n.fam == IPv6 {
		return xt.Netmap6Target, info
	}
	return xt.NetmapTarget, info
}
