package xt

// PolicyMatch is xt_policy, revision 0 (struct xt_policy_info). Its hooks
// depend on the direction: the kernel's checkentry refuses --dir in from
// OUTPUT and POSTROUTING and --dir out from PREROUTING and INPUT, which
// package rule checks per rule (Hooks here is 0).
var PolicyMatch = register(&Ext{Kind: Match, Name: "policy", Rev: 0, Families: BothFamilies, Size: 312})

// The bits of Policy.Flags (XT_POLICY_MATCH_*).
const (
	PolicyIn = 1 << iota
	PolicyOut
	PolicyNone
	PolicyStrict
)

// Policy is struct xt_policy_info with policy elements that require
// nothing: Len of them (iptables writes one for --pol ipsec, none for
// --pol none), so that it tests whether the packet was (or will be)
// processed by IPsec at all.
type Policy struct {
	Flags, Len uint16
}

// Marshal encodes the info: four zero struct xt_policy_elem of 76 bytes
// (zero: no field required), then flags and len.
func (p Policy) Marshal() []byte {
	b := newEnc(PolicyMatch.Size)
	b.u16(304, p.Flags)
	b.u16(306, p.Len)
	return b
}

// DecodePolicy decodes the info (the elements' contents are not read).
func DecodePolicy(info []byte) (Policy, error) {
	if err := checkLen(PolicyMatch, info); err != nil {
		return Policy{}, err
	}
	return Policy{Flags: host.Uint16(info[304:]), Len: host.Uint16(info[306:])}, nil
}
