package rule

import (
	"github.com/google/nftables/expr"
)

// metaKeySecpath is NFT_META_SECPATH (linux/netfilter/nf_tables.h), which
// google/nftables does not name.
const metaKeySecpath expr.MetaKey = 25

// Policy is the policy match in its one form nft can express: whether an
// incoming packet was decapsulated by IPsec (--dir in --pol ipsec, "meta
// secpath exists") or not (--dir in --pol none, "meta secpath missing").
//
// With no policy element, xt_policy's ipsec test matches a packet whose
// secpath holds at least one transform, and nft's a packet that has a
// secpath at all; xfrm_input drops a packet before its secpath is left
// empty, so the two agree on every packet that reaches a rule. "none" is
// the exact complement in both. Policy elements (--reqid, --spi, --proto,
// --mode, --tunnel-src, --tunnel-dst, --next, --strict) have no nft
// equivalent: every policy match installs xt_policy itself
// (match_policy_xt.go), as iptables-nft does.
type Policy struct {
	Dir, Pol string // "in"/"out", "ipsec"/"none"
	// Strict is --strict: the elements must match the transforms
	// exactly, in order.
	Strict bool
	// Elems are the policy elements, separated by --next
	// (match_policy_elem.go).
	Elems []PolicyElem
}

// Name returns "policy".
func (m *Policy) Name() string   { return "policy" }
func (m *Policy) stateful() bool { return false }

func (m *Policy) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--dir", "--pol":
	case "--strict", "--reqid", "--spi", "--proto", "--mode", "--tunnel-src", "--tunnel-dst", "--next":
		return true, m.parseElem(p, opt, invert)
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	field := &m.Dir
	ok := map[string]bool{"in": true, "out": true}
	if opt == "--pol" {
		field, ok = &m.Pol, map[string]bool{"ipsec": true, "none": true}
	}
	v, err := p.onceValue(opt, *field != "")
	if err != nil {
		return true, err
	}
	if !ok[v] {
		return true, argError(v, "bad %s value", opt)
	}
	*field = v
	return true, nil
}

func (m *Policy) finish(*Rule) error {
	switch {
	case m.Dir == "":
		return argError("-m policy", "needs --dir in or --dir out")
	case m.Pol == "":
		// xt_policy without --pol means ipsec.
		m.Pol = "ipsec"
	}
	return m.finishElems()
}

func (m *Policy) args() []string {
	return append([]string{"--dir", m.Dir, "--pol", m.Pol}, m.elemArgs()...)
}

func (m *Policy) xlate(x *xlator) error {
	if m.Dir != "in" || m.Strict || len(m.Elems) > 0 {
		return m.xlateXt(x) // match_policy_xt.go
	}
	return m.xlateInXt(x) // match_policy_xt.go
}

// native is nft's statement for --dir in: exact, but see xlateInXt.
func (m *Policy) native(x *xlator) {
	if m.Pol == "none" {
		x.add("meta secpath missing", meta(metaKeySecpath), cmp(false, []byte{0}))
	} else {
		x.add("meta secpath exists", meta(metaKeySecpath), cmp(false, []byte{1}))
	}
}
