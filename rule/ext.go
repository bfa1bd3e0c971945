package rule

import (
	"strings"
)

// implicitMatch reports whether -p NAME loads the match NAME on first use of
// one of its options.
func implicitMatch(name string) bool {
	switch name {
	case "tcp", "udp", "sctp", "icmp", "ipv6-icmp", "dccp", "udplite", "esp", "ah", "mh":
		return true
	}
	return false
}

// implicitName is the match -p NUM loads on first use of one of its
// options: iptables names it after xtables_chain_protos where that list has
// the protocol (mh for mobility-header), else after /etc/protocols.
func implicitName(num uint8) string {
	if num == 135 {
		return "mh"
	}
	return protoName(num)
}

func newMatch(r *Rule, name string) (Match, error) {
	mk, ok := matchTypes[name]
	if !ok {
		if r.Family == IPv6 && (name == "icmpv6" || name == "ipv6-icmp") {
			mk, ok = matchTypes["icmp6"]
		}
	}
	if !ok {
		return nil, argError(name, "unknown or unsupported match module")
	}
	return mk(r)
}

func newTarget(r *Rule, name string, isGoto bool) (Target, error) {
	if mk, ok := targetTypes[name]; ok {
		if isGoto {
			return nil, argError(name, "-g needs a chain, not a target")
		}
		return mk(r)
	}
	if err := checkChainName(name); err != nil {
		return nil, err
	}
	return &Jump{Chain: name, Goto: isGoto}, nil
}

// MaxChainNameLen is the longest chain name iptables accepts.
const MaxChainNameLen = 28

// checkChainName validates the name of a chain jumped to.
func checkChainName(name string) error {
	switch {
	case name == "":
		return argError(name, "empty chain name")
	case len(name) > MaxChainNameLen:
		return argError(name, "chain name longer than %d characters", MaxChainNameLen)
	case strings.HasPrefix(name, "-") || strings.HasPrefix(name, "!"):
		return argError(name, "not a valid chain name")
	case strings.ContainsAny(name, " \t\n\"'"):
		return argError(name, "chain name contains white space or quotes")
	case !hasASCIIUpper(name) && strings.ToLower(name) == name && isTargetLike(name):
		return argError(name, "unknown target (targets are upper case, e.g. %s)", strings.ToUpper(name))
	}
	return nil
}

func isTargetLike(name string) bool {
	_, ok := targetTypes[strings.ToUpper(name)]
	return ok
}

// hasASCIIUpper reports whether s holds an upper-case ASCII letter, which
// strings.ToLower would change: checkChainName then need not lower the
// name (usual chain names are upper case) to know it is not lower case.
func hasASCIIUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
