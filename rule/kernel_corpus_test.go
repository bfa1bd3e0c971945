package rule

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// TestKernelCorpusOracle runs every rule of the corpus that nftsync
// translates (every tier-1 rule, and those of the other files it accepts)
// through the kernel oracle: nft builds each rule from NftText (the text that keeps
// iptables' meaning), nftsync installs its own expressions, and the kernel
// must hold the same for both.
func TestKernelCorpusOracle(t *testing.T) {
	dir := corpusDir(t)
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	var cases []OracleCase
	unreadable := 0
	files, err := filepath.Glob(filepath.Join(dir, "*.txlate"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		f := strings.TrimSuffix(filepath.Base(path), ".txlate")
		for _, c := range readCorpus(t, path) {
			cmd, err := ParseCommand(c.fam, c.args)
			if err != nil || cmd.Rule == nil {
				continue // refused on purpose, or a command without a rule
			}
			tr, err := cmd.Rule.Translate()
			if err != nil || tr.Compat() {
				continue // xt extensions: nft builds them from no text (kernel_xt_test.go)
			}
			if err := nftParses(t, ns, c.fam, cmd.Rule, tr); err != nil {
				t.Logf("%s:%d: nft cannot read %q: %v", f, c.line, tr.NftText(), err)
				unreadable++
				continue
			}
			cases = append(cases, OracleCase{c.fam, cmd.Rule.String()})
		}
	}
	if len(cases) < 150 {
		t.Fatalf("only %d corpus rules to check", len(cases))
	}
	t.Logf("%d corpus rules checked, %d that nft cannot read", len(cases), unreadable)
	runOracle(t, ns, cases)
}

// nftParses checks (nft -c, nothing is committed) that nft reads the
// rule's NftText.
func nftParses(t *testing.T, ns *netnstest.NS, fam Family, r *Rule, tr *Translation) error {
	script := fmt.Sprintf("add table %s t\nadd chain %s t c\n", fam, fam)
	if j, ok := r.Target.(*Jump); ok {
		script += fmt.Sprintf("add chain %s t %s\n", fam, j.Chain)
	}
	script += fmt.Sprintf("add rule %s t c %s\n", fam, tr.NftText())
	path := filepath.Join(t.TempDir(), "rule.nft")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := ns.TryExec("nft", "-c", "-f", path)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(out))
	}
	return nil
}
