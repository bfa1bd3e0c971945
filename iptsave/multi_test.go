package iptsave

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestParseMultiRuleLines checks iptables' own multi-rule forms: -A
// appends one rule per address pair in order, -I inserts each at the same
// position (reversing them, as iptables does), -D deletes each, and every
// rule keeps its line's FILE:LINE.
func TestParseMultiRuleLines(t *testing.T) {
	in := `*filter
:INPUT ACCEPT [0:0]
-A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT
-I INPUT 1 -s 5.5.5.5,6.6.6.6 -j DROP
-A INPUT -d 7.7.7.7,8.8.8.8 -j DROP
-D INPUT -d 8.8.8.8,7.7.7.7 -j DROP
COMMIT
`
	rs, err := Parse(strings.NewReader(in), "f", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	want := `ip filter INPUT "ACCEPT"
  ip -s 6.6.6.6/32 -j DROP
  @ f:4: -I INPUT 1 -s 5.5.5.5,6.6.6.6 -j DROP
  ip -s 5.5.5.5/32 -j DROP
  @ f:4: -I INPUT 1 -s 5.5.5.5,6.6.6.6 -j DROP
  ip -s 1.1.1.1/32 -d 3.3.3.3/32 -j ACCEPT
  @ f:3: -A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT
  ip -s 1.1.1.1/32 -d 4.4.4.4/32 -j ACCEPT
  @ f:3: -A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT
  ip -s 2.2.2.2/32 -d 3.3.3.3/32 -j ACCEPT
  @ f:3: -A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT
  ip -s 2.2.2.2/32 -d 4.4.4.4/32 -j ACCEPT
  @ f:3: -A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT
`
	if got := summary(rs, true); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, err = Parse(strings.NewReader("*filter\n-A INPUT -s 1.1.1.1,x -j DROP\nCOMMIT\n"), "f", rule.IPv4)
	if err == nil || !strings.HasPrefix(err.Error(), "f:2: ") {
		t.Errorf("bad address in a list: %v, want an error at f:2", err)
	}
}
