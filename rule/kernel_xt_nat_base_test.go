package rule

import "testing"

// NAT rules whose exact form is only the xt target: a base port
// ("P-Q/BASE", target_nat_base.go) and ports after a -p nft cannot state
// them for (icmp, a negated -p: natPortProto). They join xtFormCases, so
// that TestKernelXtForms proves their bytes against iptables-nft's. And
// ipcomp's --compres joins xtCases.

var xtNATBaseCases = []xtCase{
	{IPv4, "nat", "PREROUTING", "-p tcp -j DNAT --to-destination 10.1.1.1:1000-2000/100"},
	{IPv4, "nat", "OUTPUT", "-p udp -j DNAT --to-destination :1000-2000/http --random"},
	{IPv4, "nat", "OUTPUT", "-p tcp -j DNAT --to-destination 10.0.0.1:80-80/0x10"},
	{IPv6, "nat", "PREROUTING", "-p sctp -j DNAT --to-destination [fd00::1-fd00::9]:1000-2000/65535 --persistent"},
	{IPv4, "nat", "POSTROUTING", "-p tcp -j SNAT --to-source 1.2.3.4:1000-2000/100"},
	{IPv6, "nat", "INPUT", "-p dccp -j SNAT --to-source [fd00::1]:5-6/7 --random"},
	{IPv4, "nat", "PREROUTING", "-p icmp -j REDIRECT --to-ports 5"},
	{IPv6, "nat", "OUTPUT", "! -p tcp -j REDIRECT --to-ports 5-6 --random"},
	{IPv4, "nat", "POSTROUTING", "-p icmp -j MASQUERADE --to-ports 7"},
	{IPv6, "nat", "POSTROUTING", "! -p tcp -j MASQUERADE --to-ports 5-6"},
	{IPv4, "nat", "POSTROUTING", "! -p udp -j SNAT --to-source 1.2.3.4:5"},
	{IPv6, "nat", "OUTPUT", "-p icmp -j DNAT --to-destination [fd00::1]:7-9/8"},
	{IPv4, "nat", "POSTROUTING", "-p udp -j MASQUERADE --to-ports 1000-2000/http --random"},
	{IPv6, "nat", "POSTROUTING", "-p tcp -j MASQUERADE --to-ports 5-5/9"},
}

// xtFormSavedAs are xtFormCases that iptables-save prints otherwise than
// nftsync from the same bytes: SNAT has no room for the base (the kernel
// reads 0, "/0", which iptables refuses to read back), and a base after
// one port prints as "P/BASE", which iptables refuses too.
var xtFormSavedAs = map[string]string{
	"-p tcp -j SNAT --to-source 1.2.3.4:1000-2000/100":        "-p tcp -j SNAT --to-source 1.2.3.4:1000-2000/0",
	"-p dccp -j SNAT --to-source [fd00::1]:5-6/7 --random":    "-p dccp -j SNAT --to-source [fd00::1]:5-6/0 --random",
	"-p tcp -j DNAT --to-destination 10.0.0.1:80-80/0x10":     "-p tcp -j DNAT --to-destination 10.0.0.1:80/16",
	"-p udp -j MASQUERADE --to-ports 1000-2000/http --random": "-p udp -j MASQUERADE --to-ports 1000-2000/0 --random",
	"-p tcp -j MASQUERADE --to-ports 5-5/9":                   "-p tcp -j MASQUERADE --to-ports 5/0",
}

func init() {
	xtFormCases = append(xtFormCases, xtNATBaseCases...)
	xtCases = append(xtCases,
		xtCase{IPv4, "filter", "OUTPUT", "-p 108 -m ipcomp --compres"},
		xtCase{IPv6, "filter", "INPUT", "-p 108 -m ipcomp ! --ipcompspi 7:70000 --compres"},
	)
	xtSavedAs["-p 108 -m ipcomp --compres"] = "-p ipcomp -m ipcomp --ipcompspi 0 --compres"
}

// TestNATBaseParse checks the base port's forms iptables 1.8.9 reads
// (C's numbers, whatever follows them ignored, service names) and those it
// refuses, REDIRECT's base among them.
func TestNATBaseParse(t *testing.T) {
	for _, c := range []struct {
		fam       Family
		args, out string // out "" when refused
	}{
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/010", "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/8"},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/100/5", "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/100"},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/+5x", "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/5"},
		{IPv6, "-p tcp -j SNAT --to-source :1-2/domain", "-p tcp -j SNAT --to-source :1-2/53"},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000/5", ""},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/0", ""},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/70000", ""},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/HTTP", ""},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/", ""},
		{IPv4, "-p tcp -j DNAT --to-destination 1.2.3.4:2000-1000/5", ""},
		{IPv4, "-p tcp -j REDIRECT --to-ports 1000-2000/5", ""},
		{IPv4, "-p gre -j DNAT --to-destination 1.2.3.4:1000-2000/5", ""},
	} {
		r, err := ParseString(c.fam, c.args)
		switch {
		case c.out == "" && err == nil:
			t.Errorf("%s: accepted as %s", c.args, r)
		case c.out != "" && err != nil:
			t.Errorf("%s: %v", c.args, err)
		case c.out != "" && r.String() != c.out:
			t.Errorf("%s: prints as %s, want %s", c.args, r, c.out)
		}
	}
}
