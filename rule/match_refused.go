package rule

// refusedMatches are match modules netfilter's corpus translates but that
// no nft rule reproduces; naming them gives an error that says why (and
// wraps ErrUnsupported) instead of "unknown module".
var refusedMatches = map[string]string{
	// xt_set names the ipset by its index in the kernel's list, which
	// iptables asks the kernel for when it adds the rule; nftsync's
	// translation does not depend on the host's sets (and nft's own sets
	// are not ipsets).
	"set": "xt_set refers to an ipset by its kernel index, which nftsync does not look up; nft sets are not ipsets",
}

// refusedMatch returns the constructor of a refused match module.
func refusedMatch(name string) func(*Rule) (Match, error) {
	return func(*Rule) (Match, error) {
		return nil, &ParseError{Arg: name, Reason: "match not translated: " + refusedMatches[name], Err: ErrUnsupported}
	}
}
