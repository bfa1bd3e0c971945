package rule

// refusedMatches are match modules netfilter's corpus translates but that
// no nft rule reproduces; naming them gives an error that says why (and
// wraps ErrUnsupported) instead of "unknown module".
var refusedMatches = map[string]string{
	// xt_cluster hashes the master connection of a related one and turns
	// link-layer multicast into host for every packet it sees, matched or
	// not; nft's "jhash ct original saddr ... meta pkttype set host"
	// hashes the connection itself and changes only matched packets, and
	// iptables-translate's node numbers are off by one.
	"cluster": "xt_cluster hashes a related connection's master and rewrites pkttype of unmatched packets; nft's jhash/pkttype statements do neither",
	// xt_rpfilter refuses routes that are not unicast (broadcast,
	// blackhole, unreachable) and sets the VRF of the lookup in every
	// mode; nft's fib expression returns an interface for them.
	"rpfilter": "xt_rpfilter fails on routes that are not unicast (broadcast, blackhole, ...), nft's fib returns an interface for them",
	// It needs a named meter beside the rule, which a translated rule
	// does not carry.
	"hashlimit": "hashlimit needs a named meter beside the rule, and xt_hashlimit's expiry and burst differ from nft's meter",
}

// refusedMatch returns the constructor of a refused match module.
func refusedMatch(name string) func(*Rule) (Match, error) {
	return func(*Rule) (Match, error) {
		return nil, &ParseError{Arg: name, Reason: "match not translated: " + refusedMatches[name], Err: ErrUnsupported}
	}
}
