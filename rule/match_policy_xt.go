package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlateXt installs xt_policy itself for --dir out, which iptables-translate
// cannot translate: nft has no match on the IPsec policy of the route a
// packet leaves by.
func (m *Policy) xlateXt(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("nft has no match on the IPsec policy of the route a packet leaves by", ext, info)
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
		p.Len = 1
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
