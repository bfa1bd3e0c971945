package rule

import "testing"

// TestPropertyTestFindings keeps the rules integration's packet property
// test (TestPropertyPackets) found counting other packets than
// iptables-legacy: installed as xt tcp now (exact by construction), no
// longer natively with another meaning.
func TestPropertyTestFindings(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		// (flags & 0) == 0 always holds: the inverse never matches; both
		// were installed as "every TCP packet".
		{IPv4, `-p tcp ! --tcp-flags NONE NONE`},
		{IPv6, `-p tcp --tcp-flags NONE SYN`},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		if tr, err := r.Translate(); err != nil || !tr.Compat() {
			t.Errorf("%s: %v; want xt tcp installed", c.args, err)
		}
	}
}
