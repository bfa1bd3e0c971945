package rule

import (
	"net/netip"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// TEE is -j TEE: send a copy of the packet to Gateway and let the original
// continue. nft's "dup to ADDR" calls the same nf_dup_ipv4/nf_dup_ipv6.
//
// With --oif the rule runs the TEE target itself (target_tee_xt.go):
// xt_TEE follows the interface by name (it picks up an interface created
// or renamed later), while nft's "device IF" is resolved to an interface
// index once, when the rule is loaded.
type TEE struct {
	Gateway netip.Addr
	Oif     string // truncated to 15 bytes, as iptables truncates it
	fam     Family
	oifSet  bool
}

func newTEE(r *Rule) (Target, error) { return &TEE{fam: r.Family}, nil }

// Name returns "TEE".
func (t *TEE) Name() string { return "TEE" }

func (t *TEE) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--gateway", "--oif":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if opt == "--oif" {
		v, err := p.onceValue(opt, t.oifSet)
		if err != nil {
			return true, err
		}
		t.Oif, t.oifSet = v[:min(len(v), xt.TEEOifMax)], true
		return true, nil
	}
	v, err := p.onceValue(opt, t.Gateway.IsValid())
	if err != nil {
		return true, err
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return true, argError(v, "not a numeric %s address", famWord(t.fam))
	}
	if (t.fam == IPv4) != a.Is4() {
		return true, argError(v, "not an %s address", famWord(t.fam))
	}
	if a.IsUnspecified() {
		return true, argError(v, "the gateway cannot be the unspecified address")
	}
	t.Gateway = a
	return true, nil
}

func (t *TEE) finish(*Rule) error {
	if !t.Gateway.IsValid() {
		return argError("-j TEE", "needs --gateway")
	}
	return nil
}

func (t *TEE) args() []string {
	if t.Oif != "" {
		return []string{"--gateway", t.Gateway.String(), "--oif", t.Oif}
	}
	return []string{"--gateway", t.Gateway.String()}
}

func (t *TEE) xlate(x *xlator) error {
	if t.Oif != "" {
		return t.xlateXt(x)
	}
	x.add("dup to "+t.Gateway.String(),
		&expr.Immediate{Register: 1, Data: t.Gateway.AsSlice()},
		&expr.Dup{RegAddr: 1})
	return nil
}
