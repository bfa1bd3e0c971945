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

func BenchmarkTranslate(b *testing.B) {
	r, _ := Parse(IPv4, benchArgs)
	for i := 0; i < b.N; i++ {
		_, _ = r.Translate()
	}
}
