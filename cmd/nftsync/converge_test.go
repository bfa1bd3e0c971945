package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// converges checks the convergence property on files v4 and v6 ("" for
// none) in a fresh namespace: apply, then diff is empty; a second apply
// keeps every rule handle; the listing shows no foreign rule, and applying
// it changes nothing. It returns the listings.
func converges(t *testing.T, v4, v6 string) (string, string) {
	t.Helper()
	ns := netnstest.New(t)
	var files []string
	if v4 != "" {
		files = append(files, "-4", writeFile(t, "rules.v4", v4))
	}
	if v6 != "" {
		files = append(files, "-6", writeFile(t, "rules.v6", v6))
	}
	mustRun(t, 0, ns, "", append([]string{"apply"}, files...)...)
	if r := nftsync(t, ns, "", append([]string{"diff"}, files...)...); r.code != 0 || r.stdout != "" {
		t.Errorf("diff after apply: want exit 0 and no output, got %s", r)
	}
	before := ns.Exec("nft", "-a", "list", "ruleset")
	mustRun(t, 0, ns, "", append([]string{"apply"}, files...)...)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("a second apply changed the ruleset (handles or counters):\nbefore:\n%s\nafter:\n%s", before, after)
	}
	l4 := mustRun(t, 0, ns, "", "list").stdout
	l6 := mustRun(t, 0, ns, "", "list", "-6").stdout
	if strings.Contains(l4+l6, "foreign rule") {
		t.Errorf("an owned rule is listed as foreign:\n%s%s", l4, l6)
	}
	listed := append([]string{"apply"}, "-4", writeFile(t, "listed.v4", l4), "-6", writeFile(t, "listed.v6", l6))
	mustRun(t, 0, ns, "", listed...)
	if after := ns.Exec("nft", "-a", "list", "ruleset"); after != before {
		t.Errorf("applying the listing changed the ruleset:\nbefore:\n%s\nafter:\n%s\nlisting:\n%s%s", before, after, l4, l6)
	}
	return l4, l6
}

// ruleLines returns the -A lines of a listing.
func ruleLines(listing string) []string {
	return regexp.MustCompile(`(?m)^-A .*$`).FindAllString(listing, -1)
}

// TestConvergenceDefects holds rules that once were deleted and re-added
// on every apply (the kernel dumps them differently from how they are
// built) or read back as foreign.
func TestConvergenceDefects(t *testing.T) {
	l4, _ := converges(t, `*filter
:INPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctproto tcp -j ACCEPT
-A INPUT -m conntrack ! --ctproto udp -j ACCEPT
-A INPUT -j NFLOG --nflog-threshold 0
-A INPUT -j NFLOG --nflog-threshold 1
-A INPUT -m comment --comment "back\\slash" -j ACCEPT
-A INPUT -m devgroup ! --src-group 0x2 --dst-group 0xc/0xc -j ACCEPT
-A INPUT -j NFLOG --nflog-group 3 --nflog-threshold 0 --nflog-size 0
-A INPUT -p sctp -m comment --comment "" -j DROP
-A INPUT -m comment --comment "" -m comment --comment "x" -j DROP
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -j CONNMARK --restore-mark --right-shift-mark 3
-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 5
-A PREROUTING -j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5
COMMIT
`, "")
	for _, want := range []string{`-A INPUT -p sctp -m comment --comment "" -j DROP`, `-A INPUT -j NFLOG --nflog-threshold 1`, `-A INPUT -j NFLOG`} {
		found := false
		for _, l := range ruleLines(l4) {
			found = found || l == want
		}
		if !found {
			t.Errorf("listing lacks %q:\n%s", want, l4)
		}
	}
}
