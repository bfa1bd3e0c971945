package rule

// refusedMatches are match modules netfilter's corpus translates but that
// no nft rule reproduces; naming them gives an error that says why (and
// wraps ErrUnsupported) instead of "unknown module".
//
// None is left: cluster, connlimit and hashlimit install their xtables
// extension (rule/xt), rpfilter is parsed and refused where it is
// translated (the kernel loads it only in raw or mangle tables).
var refusedMatches = map[string]string{}

// refusedMatch returns the constructor of a refused match module.
func refusedMatch(name string) func(*Rule) (Match, error) {
	return func(*Rule) (Match, error) {
		return nil, &ParseError{Arg: name, Reason: "match not translated: " + refusedMatches[name], Err: ErrUnsupported}
	}
}
