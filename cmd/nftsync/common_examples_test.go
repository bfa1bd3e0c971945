package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
)

// TestExamplesParse parses every rule file in examples/ with the parser the
// CLI uses: *.v4 as IPv4, *.v6 as IPv6.
func TestExamplesParse(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.rules.v[46]")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d example rule files, want at least 3: %v", len(files), files)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			fam := rule.IPv4
			if strings.HasSuffix(path, ".v6") {
				fam = rule.IPv6
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rs, err := iptsave.Parse(f, path, fam)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			n := 0
			for _, c := range rs.Chains {
				n += len(c.Rules)
			}
			if n == 0 {
				t.Errorf("%s has no rules", path)
			}
		})
	}
}
