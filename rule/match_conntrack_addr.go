package rule

import (
	"net/netip"
	"strings"
)

// parseCtAddr parses a conntrack address (--ctorigsrc and the others) as
// iptables 1.8.9 does (libxt_conntrack's XTTYPE_HOSTMASK): a prefix
// length or a netmask that is a prefix is the usual masked address, but
// a netmask that is not a prefix (10.1.2.3/255.0.255.0) is lost, and
// iptables installs the address as given with an all-ones mask, a host
// match, which iptables-save prints as "--ctorigsrc 10.1.2.3".
// iptables-legacy installs exactly that, so that is the rule's meaning.
func parseCtAddr(fam Family, v string) (Addr, error) {
	a, err := parseAddr(fam, v)
	if err != nil {
		return a, err
	}
	if _, ok := prefixLen(a.Mask); ok {
		return a, nil
	}
	ipStr, _, _ := strings.Cut(v, "/")
	ip := netip.MustParseAddr(ipStr) // parseAddr parsed it
	return Addr{Set: true, IP: ip, Mask: fullMask(ip.BitLen(), ip.BitLen())}, nil
}
