package parallel

import (
	"sync/atomic"
	"testing"
)

// TestRangeCoversOnce: every index is handed to exactly one fn call, for
// sizes around the split points.
func TestRangeCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, Min - 1, Min, Min + 1, 3*Min + 7, 10000} {
		seen := make([]int32, n)
		var calls atomic.Int32
		Range(n, func(lo, hi int) {
			calls.Add(1)
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&seen[i], 1)
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d handed %d times", n, i, c)
			}
		}
		if calls.Load() < 1 {
			t.Fatalf("n=%d: fn never called", n)
		}
	}
}
