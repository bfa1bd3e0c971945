package rule

import "testing"

// TestSamePrint: rules that print the same are the same, whether parsed
// from the same text or from other spellings of it; rules that differ in
// any part, or in their counters, are not.
func TestSamePrint(t *testing.T) {
	parse := func(s string) *Rule {
		t.Helper()
		r, err := ParseString(IPv4, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return r
	}
	base := `-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`
	for _, same := range []string{
		base,
		`-s 10.0.1.2 -p tcp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`,
	} {
		if a, b := parse(base), parse(same); !a.SamePrint(b) || a.String() != b.String() {
			t.Errorf("%q and %q: SamePrint false", base, same)
		}
	}
	for _, other := range []string{
		`-s 10.0.1.3/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`,
		`-s 10.0.1.2/32 -p udp -m udp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1235 -m comment --comment "rule 12" -j ACCEPT`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 13" -j ACCEPT`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j DROP`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -g C`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j C`,
		`-s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12"`,
		`-c 1 2 -s 10.0.1.2/32 -p tcp -m tcp --dport 1234 -m comment --comment "rule 12" -j ACCEPT`,
	} {
		a, b := parse(base), parse(other)
		if a.SamePrint(b) || b.SamePrint(a) {
			t.Errorf("%q and %q: SamePrint true", base, other)
		}
	}
	if a, b := parse("-j C"), parse("-g C"); a.SamePrint(b) {
		t.Error("-j C and -g C: SamePrint true")
	}
}
