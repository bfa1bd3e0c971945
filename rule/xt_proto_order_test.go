package rule

import (
	"testing"

	"github.com/google/nftables/expr"
)

// TestXtAfterProtocol: in iptables the -p test comes before every match, so
// an xtables extension that drops what it cannot parse as its protocol
// (xt_tcpmss, xt_tcp: "hotdrop") never sees another protocol's packet. The
// installed expressions must test the protocol before the first xt
// expression, also where iptables-translate leaves "-p tcp" to a later
// native tcp statement's dependency. Found by the packet property test
// (seed 3): xt tcpmss ran first and dropped UDP and ICMPv6 packets.
func TestXtAfterProtocol(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		{IPv6, "-p tcp -m tcpmss --mss 55403 -m ecn --ecn-tcp-cwr -m tcp ! --sport 8080 --dport http --syn --tcp-option 1"},
		{IPv4, "-p tcp -m tcpmss --mss 1000:1500 -m tcp --dport 22 -j ACCEPT"},
		{IPv4, "-p tcp -m tcpmss --mss 1000"},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		tr, err := r.Translate()
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		tested := false
		for _, e := range tr.Exprs() {
			switch v := e.(type) {
			case *expr.Meta:
				tested = tested || v.Key == expr.MetaKeyL4PROTO
			case *expr.Payload:
				// IPv4's "ip protocol": network header byte 9.
				tested = tested || (v.Base == expr.PayloadBaseNetworkHeader && v.Offset == 9)
			case *expr.Match:
				if !tested {
					t.Errorf("%s %s: xt match %s runs before the protocol is tested", c.fam, c.args, v.Name)
				}
			}
		}
	}
}
