// Package parallel runs the per-rule work of a large ruleset (translating,
// hashing meanings) on every CPU: a cold Set of 10k rules spends most of
// its own time there, and the kernel's commit that follows cannot start
// before it ends.
package parallel

import (
	"runtime"
	"sync"
)

// Min is the least number of items worth a goroutine of their own (a
// rule's translation or meaning takes about a microsecond or less).
const Min = 512

// Range splits 0..n-1 into up to GOMAXPROCS ranges of at least Min items
// and runs fn on each [lo, hi), on its own goroutine but for the last; it
// returns when every fn has.
func Range(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/Min+1)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers-1; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn((workers-1)*chunk, n)
	wg.Wait()
}

// Each runs fn(i) for i in 0..n-1, split as Range splits them.
func Each(n int, fn func(i int)) {
	Range(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}
