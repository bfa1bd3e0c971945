package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs xt_policy itself for --dir out or policy elements,
// which iptables-translate cannot translate: nft has no match on the
// IPsec policy of the route a packet leaves by, nor on the transforms of
// a packet's secpath.
func (m *Policy) xlateXt(x *xlator) error {
	ext, info := m.xtInfo()
	why := "nft has no match on the IPsec policy of the route a packet leaves by"
	if m.Dir == "in" {
		why = "nft has no match on the transforms of a packet's secpath"
	}
	return x.addXtOnly(why, ext, info)
}

// xlateInXt installs xt_policy for --dir in too, as iptables-nft does,
// with iptables-translate's text. nft's meta secpath means the same, but
// the kernel checks its hooks along every jump to the rule's chain when
// the ruleset is committed, also a jump iptables never reaches (after an
// unconditional ACCEPT, DROP or RETURN), while xt_policy's hooks are
// checked where iptables checks them: from the chains that reach the
// rule (rule.CheckHooksReach). A ruleset iptables accepts, such as
// "-A OUTPUT -j ACCEPT; -A OUTPUT -j USER; -A USER -m policy --dir in
// --pol none", is then accepted.
func (m *Policy) xlateInXt(x *xlator) error {
	n := len(x.stmts)
	m.native(x)
	text := x.stmts[n].Text
	x.stmts = x.stmts[:n]
	ext, info := m.xtInfo()
	return x.addXt(text, "whose hooks the kernel checks along every jump to the chain, also those iptables never reaches", ext, info)
}

// xtInfo encodes the match as struct xt_policy_info, with one element
// requiring nothing for --pol ipsec, as iptables writes it.
func (m *Policy) xtInfo() (*xt.Ext, []byte) {
	p := xt.Policy{Flags: xt.PolicyIn}
	if m.Dir == "out" {
		p.Flags = xt.PolicyOut
	}
	if m.Pol == "none" {
		p.Flags |= xt.PolicyNone
	} else {
		p.Len = uint16(max(1, len(m.Elems)))
	}
	if m.Strict {
		p.Flags |= xt.PolicyStrict
	}
	for _, e := range m.Elems {
		x := xt.PolicyElem{SPI: e.SPI, ReqID: e.ReqID, Proto: e.Proto, Match: e.Set, Invert: e.Invert}
		if e.Tunnel {
			x.Mode = 1
		}
		if e.Set&policyFieldSrc != 0 {
			x.Src, x.SrcMask = e.TunSrc.IP, e.TunSrc.Mask
		}
		if e.Set&policyFieldDst != 0 {
			x.Dst, x.DstMask = e.TunDst.IP, e.TunDst.Mask
		}
		p.Elems = append(p.Elems, x)
	}
	return xt.PolicyMatch, p.Marshal()
}

// hooks are the hooks xt_policy's checkentry accepts for the direction,
// whether the match is installed natively or not: iptables refuses the
// rule elsewhere.
func (m *Policy) hooks() xt.Hooks {
	if m.Dir == "out" {
		return xt.Forward | xt.LocalOut | xt.PostRouting
	}
	return xt.PreRouting | xt.LocalIn | xt.Forward
}
