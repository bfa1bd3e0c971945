package rule

import (
	"strings"

	"github.com/google/nftables/expr"

	"github.com/nftsync/nftsync/rule/xt"
)

// An icmp or icmp6 match that nft cannot express exactly (a type with a
// code or code range, a type nft has no name for, "! --icmp-type any")
// is installed as the kernel's ipt_icmp or ip6t_icmp itself; ip6tables-
// and iptables-translate cannot translate those either. The kernel binds
// these matches to their protocol, so such a rule needs -p icmp or -p
// ipv6-icmp (which iptables-translate does not check).

// needsXt reports whether the match is installed as the xtables match.
func (m *ICMP) needsXt() bool {
	if m.Any {
		return m.Invert
	}
	// A type (named or by number) and one code are native tests
	// (match_icmp.go); only a range of codes runs the xtables match.
	return m.CodeMin != m.CodeMax && (m.CodeMin != 0 || m.CodeMax != 0xff)
}

// nftName is nft's name of the match's type, "" when it has none.
func (m *ICMP) nftName() string {
	for _, n := range m.names() {
		if n.typ == m.Type && n.nft != "" {
			return n.nft
		}
	}
	return ""
}

// boundProto is the protocol the xtables match is bound to, when the
// rule installs it.
func (m *ICMP) boundProto() uint8 {
	switch {
	case !m.needsXt():
		return 0
	case m.V6:
		return protoICMPv6
	}
	return protoICMP
}

func (m *ICMP) xtXlate(x *xlator) error {
	// The rule's -p icmp is left to the icmp match (protoImplied), whose
	// kernel form does not test the protocol itself.
	if !m.V6 && x.rule.Proto.Set && x.l4 != protoICMP {
		x.l4 = protoICMP
		x.add("ip protocol icmp", payload(expr.PayloadBaseNetworkHeader, 9, 1), cmp(false, []byte{protoICMP}))
	}
	ext, info := m.xtInfo()
	return x.addXtOnly("nft has no exact form of "+strings.Join(m.args(), " "), ext, info)
}

// xtInfo encodes the match as struct ipt_icmp or ip6t_icmp.
func (m *ICMP) xtInfo() (*xt.Ext, []byte) {
	i := xt.ICMP{Type: m.Type, CodeMin: m.CodeMin, CodeMax: m.CodeMax}
	if m.Any {
		i.Type, i.CodeMin, i.CodeMax = 0xff, 0, 0xff
	}
	if m.Invert {
		i.InvFlags = xt.ICMPInvert
	}
	if m.V6 {
		return xt.ICMP6Match, i.Marshal()
	}
	return xt.ICMPMatch, i.Marshal()
}
