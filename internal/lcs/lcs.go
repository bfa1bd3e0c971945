// Package lcs matches two sequences by a longest common subsequence (Myers'
// O(ND) algorithm): the one diff both the nftables engine and the fake
// engine use to keep a chain's rules that can stay.
package lcs

// maxEdits bounds the Myers search; beyond it the differing middle of a
// chain is replaced as a whole (correct, just less minimal).
const maxEdits = 2000

// Match returns, for each element of want, the index in have of the
// element it is kept as, or -1 when it must be inserted. Kept elements form
// a longest common subsequence (or, past maxEdits differences, a common
// prefix and suffix). Elements are compared as ints: callers number their
// items by identity (a distinct negative number for one that can match
// nothing).
func Match(have, want []int) []int {
	out := make([]int, len(want))
	for i := range out {
		out[i] = -1
	}
	// Common prefix and suffix cost nothing and cover most changes.
	p := 0
	for p < len(have) && p < len(want) && have[p] == want[p] {
		out[p] = p
		p++
	}
	s := 0
	for s < len(have)-p && s < len(want)-p && have[len(have)-1-s] == want[len(want)-1-s] {
		out[len(want)-1-s] = len(have) - 1 - s
		s++
	}
	a, b := have[p:len(have)-s], want[p:len(want)-s]
	if len(a) == 0 || len(b) == 0 {
		return out
	}
	for _, pr := range myers(a, b, maxEdits) {
		out[p+pr[1]] = p + pr[0]
	}
	return out
}

// myers returns the matched index pairs (in a, in b) of a shortest edit
// script, or nil when more than maxD edits are needed.
func myers(a, b []int, maxD int) [][2]int {
	n, m := len(a), len(b)
	max := n + m
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int // trace[d]: v[k] for k in [-d, d] after step d
	for d := 0; d <= max && d <= maxD; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m, d)
			}
		}
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
	}
	return nil
}

// backtrack walks the trace back from (n, m) and collects the diagonal
// moves (matches).
func backtrack(trace [][]int, x, y, d int) [][2]int {
	var pairs [][2]int
	for ; d > 0; d-- {
		prev := trace[d-1]
		get := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := get(pk)
		py := px - pk
		mx, my := px, py
		if pk == k+1 {
			my++
		} else {
			mx++
		}
		for x > mx && y > my {
			x--
			y--
			pairs = append(pairs, [2]int{x, y})
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		x--
		y--
		pairs = append(pairs, [2]int{x, y})
	}
	return pairs
}
