package nft

// The kernel finds a rule by handle (a deletion, or the position of an
// insertion) by walking its chain's list from the head, and the rules a
// transaction deletes stay in that list until the commit. Deleting most of
// a long chain rule by rule is therefore quadratic: deleting 20k rules one
// by one took 7.5 s where `nft -f` with a flush and 20k adds took 0.57 s,
// and the kernel holds the namespace's nftables commit mutex for all of it,
// so every other writer (kube-proxy, Docker, iptables-nft) waits.
//
// A flush (NFT_MSG_DELRULE naming only the chain) walks the list once; the
// rules to keep are then added again, at the end in order, at the cost of
// a rule add each, of their handles and of their counters' values (they
// start again from zero, as after `nft -f` of the same change). The planner estimates both costs
// for every chain in units of one list step and takes the cheaper:
//
//	by handle: Σ position of each rule deleted or inserted before
//	flush:     chain length + addSteps × rules kept
//
// Measured on kernel 6.18 (BenchmarkChainCost, a 20k-rule chain, 2 busy
// cores): one list step costs 17-20 ns, one rule add 14-46 µs, i.e. 800 to
// 2700 steps. Either error is bounded: a flush chosen too eagerly costs at
// most the re-add of the chain (what `nft -f` of the end state costs), a
// walk chosen too eagerly at most addSteps steps per kept rule, about the
// same.

// addSteps is the kernel cost of adding one rule, in list steps.
var addSteps = 1000

// flushCheaper reports whether flushing the chain and adding every desired
// rule again costs the kernel less than deleting and inserting by handle.
// n is the chain's length, deleted the positions of the rules deleted,
// inserted the positions of the rules new ones are inserted before, kept
// the number of rules kept.
func flushCheaper(n int, deleted, inserted []int, kept int) bool {
	if n == 0 || len(deleted)+len(inserted) == 0 {
		return false
	}
	walk := 0
	for _, i := range deleted {
		walk += i
	}
	for _, i := range inserted {
		walk += i
	}
	return walk > n+addSteps*kept
}
