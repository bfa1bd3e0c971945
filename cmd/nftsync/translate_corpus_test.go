package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule"
)

// TestTranslateCorpusCLI runs every iptables-translate and
// ip6tables-translate line of netfilter's txlate corpus through the
// binary with an empty PATH and compares stdout with the corpus's nft
// lines, byte for byte (warnings on stderr are allowed). The corpus is
// iptables 1.8.11's; the directory comes from NFTSYNC_TXLATE_DIR, as for
// the rule package's conformance test.
func TestTranslateCorpusCLI(t *testing.T) {
	dir := os.Getenv("NFTSYNC_TXLATE_DIR")
	if dir == "" {
		if os.Getenv("NFTSYNC_REQUIRE_CORPUS") != "" || os.Getenv("CI") != "" {
			t.Fatal("NFTSYNC_TXLATE_DIR is not set, and the corpus is required here")
		}
		t.Skip("NFTSYNC_TXLATE_DIR is not set: point it at netfilter's txlate corpus")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txlate"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.txlate files in %s: %v", dir, err)
	}
	total, agree := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range corpusCases(string(data)) {
			total++
			args, err := rule.SplitArgs(c.cmd)
			if err != nil {
				t.Errorf("%s: %q: %v", filepath.Base(f), c.cmd, err)
				continue
			}
			argv := append([]string{"translate"}, args[1:]...)
			if args[0] == "ip6tables-translate" {
				argv = append([]string{"translate", "-6"}, args[1:]...)
			}
			r := runPure(t, "", argv...)
			if got := strings.TrimSpace(r.stdout); got != c.want {
				t.Errorf("%s: %s\n got: %s\nwant: %s\nstderr: %s", filepath.Base(f), c.cmd, got, c.want, r.stderr)
				continue
			}
			agree++
		}
	}
	t.Logf("nftsync translate with an empty PATH: %d of %d corpus lines agree on stdout", agree, total)
}

// corpusCase is one iptables-translate or ip6tables-translate line of a
// txlate file and the nft lines that follow it.
type corpusCase struct{ cmd, want string }

// corpusCases reads a txlate file: a command line, then its expected
// output up to the next blank line or command.
func corpusCases(text string) []corpusCase {
	var out []corpusCase
	lines := strings.Split(text, "\n")
	isCmd := func(l string) bool {
		for _, p := range []string{"iptables-translate ", "ip6tables-translate ", "ebtables-translate ", "arptables-translate ", "iptables-restore-translate ", "ip6tables-restore-translate "} {
			if strings.HasPrefix(l, p) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(lines); {
		if !isCmd(lines[i]) {
			i++
			continue
		}
		cmd := lines[i]
		var want []string
		for i++; i < len(lines) && lines[i] != "" && !isCmd(lines[i]); i++ {
			want = append(want, lines[i])
		}
		if strings.HasPrefix(cmd, "iptables-translate ") || strings.HasPrefix(cmd, "ip6tables-translate ") {
			out = append(out, corpusCase{cmd, strings.TrimSpace(strings.Join(want, "\n"))})
		}
	}
	return out
}
