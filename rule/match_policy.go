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
// equivalent and are refused; --dir out installs xt_policy itself.
type Policy struct {
	Dir, Pol string // "in"/"out", "ipsec"/"none"
}

// Name returns "policy".
func (m *Policy) Name() string   { return "policy" }
func (m *Policy) stateful() bool { return false }

func (m *Policy) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--dir", "--pol":
	case "--strict", "--reqid", "--spi", "--proto", "--mode", "--tunnel-src", "--tunnel-dst", "--next":
		return true, &ParseError{Arg: opt, Reason: "policy elements are not translated (nft has no match on the transforms of a packet's secpath)", Err: ErrUnsupported}
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
	return nil
}

func (m *Policy) args() []string { return []string{"--dir", m.Dir, "--pol", m.Pol} }

func (m *Policy) xlate(x *xlator) error {
	if m.Dir != "in" {
		return m.xlateXt(x) // match_policy_xt.go
	}
	if m.Pol == "none" {
		x.add("meta secpath missing", meta(metaKeySecpath), cmp(false, []byte{0}))
	} else {
		x.add("meta secpath exists", meta(metaKeySecpath), cmp(false, []byte{1}))
	}
	return nil
}
