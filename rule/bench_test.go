package rule

// Micro-benchmarks of the per-rule work the engines repeat: parsing, the
// canonical forms used for comparison, and translation.

import "testing"

var benchArgs = []string{"-s", "10.4.0.1/32", "-p", "tcp", "--dport", "8080", "-m", "comment", "--comment", "Kilo: rule 1", "-j", "ACCEPT"}

func BenchmarkParse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Parse(IPv4, benchArgs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		_ = r.String()
	}
}

func BenchmarkKey(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		_ = r.Key()
	}
}

func BenchmarkEqual(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	o, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		if !r.Equal(o) {
			b.Fatal("not equal")
		}
	}
}

func BenchmarkTranslate(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		_, _ = r.Translate()
	}
}

// kiloArgs are rules as Kilo writes them (pkg/mesh, pkg/encapsulation),
// and the conntrack, mark and multiport rules of a host firewall.
var kiloArgs = [][]string{
	{"-s", "10.4.0.0/16", "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"},
	{"-m", "comment", "--comment", "Kilo: forward packets from the pod subnet", "-s", "10.4.1.0/24", "-j", "ACCEPT"},
	{"-d", "10.4.0.1/32", "-m", "comment", "--comment", "Kilo: do not NAT packets destined for WireGuared IPs", "-j", "RETURN"},
	{"-m", "comment", "--comment", "Kilo: NAT remaining packets", "-j", "MASQUERADE"},
	{"-p", "4", "-m", "comment", "--comment", "Kilo: jump to IPIP chain", "-j", "KILO-IPIP"},
	{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
	{"-i", "wg0", "-m", "mark", "--mark", "0x4000/0x4000", "-j", "ACCEPT"},
	{"-p", "tcp", "-m", "multiport", "--dports", "22,80,443", "-j", "ACCEPT"},
}

// forKilo runs fn on each of kiloArgs' rules, parsed, per iteration.
func forKilo(b *testing.B, fn func(r *Rule)) {
	rules := make([]*Rule, len(kiloArgs))
	for i, a := range kiloArgs {
		r, err := Parse(IPv4, a)
		if err != nil {
			b.Fatal(err)
		}
		rules[i] = r
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			fn(r)
		}
	}
}

func BenchmarkKiloParseRules(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, a := range kiloArgs {
			if _, err := ParseRules(IPv4, a); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkKiloString(b *testing.B) { forKilo(b, func(r *Rule) { _ = r.String() }) }
func BenchmarkKiloKey(b *testing.B)    { forKilo(b, func(r *Rule) { _ = r.Key() }) }
func BenchmarkKiloArgs(b *testing.B)   { forKilo(b, func(r *Rule) { _ = r.Args() }) }
func BenchmarkKiloTranslateExprs(b *testing.B) {
	forKilo(b, func(r *Rule) { _, _ = r.TranslateExprs() })
}
