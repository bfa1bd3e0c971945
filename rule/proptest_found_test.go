package rule

import "testing"

// TestPropertyTestFindings keeps the rules integration's packet property
// test (TestPropertyPackets) found counting other packets than
// iptables-legacy, refused now rather than installed with another meaning.
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
		wantUnsupported(t, c.fam, c.args)
	}
}
