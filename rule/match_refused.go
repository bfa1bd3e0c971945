package rule

// refusedMatches are match modules netfilter's corpus translates but that
// no nft rule reproduces; naming them gives an error that says why (and
// wraps ErrUnsupported) instead of "unknown module".
var refusedMatches = map[string]string{
	// xt_rpfilter refuses routes that are not unicast (broadcast,
	// blackhole, unreachable) and sets the VRF of the lookup in every
	// mode; nft's fib expression returns an interface for them.
	"rpfilter": "xt_rpfilter fails on routes that are not unicast (broadcast, blackhole, ...), nft's fib returns an interface for them",
}

// refusedMatch returns the constructor of a refused match module.
func refusedMatch(name string) func(*Rule) (Match, error) {
	return func(*Rule) (Match, error) {
		return nil, &ParseError{Arg: name, Reason: "match not translated: " + refusedMatches[name], Err: ErrUnsupported}
	}
}
