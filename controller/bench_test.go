package controller

import (
	"fmt"
	"testing"
)

func benchRules(n int) []Rule {
	rules := []Rule{NewIPv4Chain("filter", "BIG"), NewIPv4Rule("filter", "FORWARD", "-j", "BIG")}
	for i := 0; i < n; i++ {
		rules = append(rules, NewIPv4Rule("filter", "BIG", "-s", fmt.Sprintf("10.0.%d.%d", i>>8&255, i&255),
			"-p", "tcp", "--dport", fmt.Sprint(1024+i), "-m", "comment", "--comment", fmt.Sprintf("rule %d", i), "-j", "ACCEPT"))
	}
	return rules
}

// BenchmarkDesired is the controller's own share of a Set of 10k rules
// rebuilt by the caller, with the previous Set's parsed rules cached and
// the one before's slices filled again, as Controller.Set does.
func BenchmarkDesired(b *testing.B) {
	_, cache, err := desired(nil, benchRules(10000), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var spare *ruleCache
	rules := benchRules(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, next, err := desired(nil, rules, cache, spare)
		if err != nil {
			b.Fatal(err)
		}
		cache, spare = next, cache
	}
}
