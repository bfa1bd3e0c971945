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

// TestDeployConfigMapParses parses the rule files embedded in
// deploy/configmap.yaml (block scalars "rules.v4: |" and "rules.v6: |").
func TestDeployConfigMapParses(t *testing.T) {
	files := configMapFiles(t, readFile(t, "../../deploy/configmap.yaml"))
	if len(files) != 2 {
		t.Fatalf("found %d rule files in the ConfigMap, want rules.v4 and rules.v6", len(files))
	}
	for name, content := range files {
		fam := rule.IPv4
		if strings.HasSuffix(name, ".v6") {
			fam = rule.IPv6
		}
		rs, err := iptsave.Parse(strings.NewReader(content), "configmap "+name, fam)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(rs.Chains) == 0 {
			t.Errorf("%s declares no chains", name)
		}
	}
}

// configMapFiles returns the "rules.*: |" block scalars of a ConfigMap's
// data, unindented.
func configMapFiles(t *testing.T, yaml string) map[string]string {
	t.Helper()
	files := map[string]string{}
	var name, indent string
	for _, line := range strings.Split(yaml, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "rules.") && strings.HasSuffix(trimmed, ": |") {
			name = strings.TrimSuffix(trimmed, ": |")
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))] + "  "
			continue
		}
		if name == "" {
			continue
		}
		if !strings.HasPrefix(line, indent) && trimmed != "" {
			name = ""
			continue
		}
		files[name] += strings.TrimPrefix(line, indent) + "\n"
	}
	return files
}
