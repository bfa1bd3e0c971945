package rule

import (
	"strings"
	"testing"
)

// TestICMPNamesAsIptables checks ICMP type names as iptables reads them:
// any unambiguous prefix, in any case, "any" included.
func TestICMPNamesAsIptables(t *testing.T) {
	for _, c := range []struct{ args, want string }{
		{"-p icmp --icmp-type frag", "-p icmp -m icmp --icmp-type 3/4"},
		{"-p icmp --icmp-type FRAGMENTATION-NEEDED", "-p icmp -m icmp --icmp-type 3/4"},
		{"-p icmp --icmp-type an", "-p icmp -m icmp --icmp-type any"},
		{"-p icmp --icmp-type echo-req", "-p icmp -m icmp --icmp-type 8"},
		{"-p icmp --icmp-type 3/4", "-p icmp -m icmp --icmp-type 3/4"},
		{"-p ipv6-icmp --icmpv6-type no", "-p ipv6-icmp -m icmp6 --icmpv6-type 1/0"},
	} {
		fam := IPv4
		if strings.Contains(c.args, "ipv6") {
			fam = IPv6
		}
		r, err := ParseString(fam, c.args)
		if err != nil || r.String() != c.want {
			t.Errorf("%s: %v, %v; want %s", c.args, r, err, c.want)
		}
	}
	for _, c := range []struct{ args, reason string }{
		{"-p icmp --icmp-type a", "ambiguous"},
		{"-p icmp --icmp-type e", "ambiguous"},
		{"-p ipv6-icmp --icmpv6-type any", "unknown ICMP type"},
	} {
		fam := IPv4
		if strings.Contains(c.args, "ipv6") {
			fam = IPv6
		}
		if _, err := ParseString(fam, c.args); err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: %v, want %q", c.args, err, c.reason)
		}
	}
}
