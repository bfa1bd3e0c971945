package rulegen

import "strconv"

// anyRange draws lo..hi as "a", "a:b", ":b" or "a:", sometimes with a > b:
// iptables accepts an inverted range for length (the kernel's match then
// never matches), and nftsync must install it as the xtables match.
func (g *Gen) anyRange(lo, hi int) string {
	switch g.intn(8) {
	case 0:
		return ":" + g.num(lo, hi)
	case 1:
		return g.num(lo, hi) + ":"
	case 2:
		a, b := g.num(lo, hi), g.num(lo, hi)
		if x, _ := strconv.Atoi(a); x == lo {
			a = strconv.Itoa(hi)
		}
		return a + ":" + b
	}
	return g.numRange(lo, hi)
}

// nth draws statistic's nth mode: --every n and a --packet below it.
func (g *Gen) nth() []string {
	every := g.pick("1", "2", "10", "4294967295")
	n, _ := strconv.Atoi(every)
	return append(g.opt(0.2, "--every", every), "--packet", g.num(0, n-1))
}
