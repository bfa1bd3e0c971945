package lcs

import (
	"math/rand"
	"testing"
)

// lcsLen is the textbook O(nm) LCS length, the oracle for Match.
func lcsLen(a, b []int) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestMatch(t *testing.T) {
	cases := []struct{ have, want []int }{
		{nil, nil},
		{nil, []int{1, 2}},
		{[]int{1, 2}, nil},
		{[]int{1, 2, 3}, []int{1, 2, 3}},
		{[]int{1, 2, 3}, []int{3, 1, 2}},
		{[]int{1, 2, 3, 4, 5}, []int{1, 3, 2, 4, 5}},
		{[]int{-1, 1, -2, 2, 3}, []int{1, 2, 4, 3}},
		{[]int{1, 1, 2, 2}, []int{2, 1, 2, 1}},
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		a, b := make([]int, rng.Intn(30)), make([]int, rng.Intn(30))
		for j := range a {
			a[j] = rng.Intn(8)
		}
		for j := range b {
			b[j] = rng.Intn(8)
		}
		cases = append(cases, struct{ have, want []int }{a, b})
	}
	for _, c := range cases {
		m := Match(c.have, c.want)
		n, last := 0, -1
		for j, i := range m {
			if i < 0 {
				continue
			}
			if i <= last || c.have[i] != c.want[j] {
				t.Fatalf("Match(%v, %v) = %v: not an increasing matching of equal elements", c.have, c.want, m)
			}
			last = i
			n++
		}
		if want := lcsLen(c.have, c.want); n != want {
			t.Errorf("Match(%v, %v) keeps %d, LCS is %d", c.have, c.want, n, want)
		}
	}
}
