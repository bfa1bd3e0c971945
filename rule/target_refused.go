package rule

// refusedTargets are the targets iptables 1.8.9 knows that nftsync
// refuses, with the reason. Naming them gives an error that says why (and
// wraps ErrUnsupported) instead of treating -j NAME as a jump to a chain
// NAME, which iptables never does for a target it knows.
var refusedTargets = map[string]string{
	"SET": "it adds to and deletes from ipsets, which its kernel info names by the set's index in the kernel's ipset list; " +
		"nftsync does not manage ipsets or look their indexes up",
	"SECMARK": "its SELinux context is turned into a security ID by the kernel's LSM when the rule is loaded; " +
		"without a loaded policy the kernel refuses every SECMARK rule, so nftsync's encoding cannot be checked against iptables-nft's",
	"LED":       "the kernel's LED trigger target (xt_LED) is not built into the kernels nftsync is tested on",
	"CLUSTERIP": "Linux removed the CLUSTERIP target in 6.3 (the cluster match and a MARK rule replace it)",
	"ULOG":      "Linux removed the ULOG target in 3.17 (NFLOG replaces it)",
}

func init() {
	for name := range refusedTargets {
		targetTypes[name] = refusedTarget(name)
	}
}

// refusedTarget returns the constructor of a refused target.
func refusedTarget(name string) func(*Rule) (Target, error) {
	return func(*Rule) (Target, error) {
		return nil, &ParseError{Arg: "-j " + name, Reason: "target not installed: " + refusedTargets[name], Err: ErrUnsupported}
	}
}
