package nft

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// corpusRules returns the iptables and ip6tables commands of the
// translation corpus (NFTSYNC_TXLATE_DIR) that parse into a rule.
func corpusRules(t *testing.T) []*rule.Command {
	dir := os.Getenv("NFTSYNC_TXLATE_DIR")
	if dir == "" {
		if os.Getenv(netnstest.RequireEnv) != "" {
			t.Fatal("NFTSYNC_TXLATE_DIR is not set")
		}
		t.Skip("NFTSYNC_TXLATE_DIR is not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txlate"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", dir, err)
	}
	var cmds []*rule.Command
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			args, err := rule.SplitArgs(sc.Text())
			if err != nil || len(args) < 2 {
				continue
			}
			fam := rule.IPv4
			switch args[0] {
			case "iptables-translate":
			case "ip6tables-translate":
				fam = rule.IPv6
			default:
				continue
			}
			if c, err := rule.ParseCommand(fam, args[1:]); err == nil && c.Rule != nil {
				cmds = append(cmds, c)
			}
		}
	}
	return cmds
}

// TestCorpusConverges installs every corpus rule nftsync accepts, then
// forces a dump: each rule the kernel returns must be recognised as the
// rule installed (an empty plan) and read back as it was given. A rule
// dumped differently from how it is built would be replaced on every
// reconcile.
func TestCorpusConverges(t *testing.T) {
	cmds := corpusRules(t)
	ns := netnstest.New(t)
	b, _ := newBackend(t, ns)
	rs := &firewall.Ruleset{}
	installed := 0
	for _, cmd := range cmds {
		c := rs.Chain(cmd.Family, cmd.Table, cmd.Chain)
		if c == nil {
			c = &firewall.Chain{Family: cmd.Family, Table: cmd.Table, Name: cmd.Chain}
			rs.Chains = append(rs.Chains, c)
		}
		if j, ok := cmd.Rule.Target.(*rule.Jump); ok && rs.Chain(cmd.Family, cmd.Table, j.Chain) == nil {
			rs.Chains = append(rs.Chains, &firewall.Chain{Family: cmd.Family, Table: cmd.Table, Name: j.Chain})
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: cmd.Rule})
		if rs.Validate() != nil {
			c.Rules = c.Rules[:len(c.Rules)-1]
			continue
		}
		if _, err := b.Apply(context.Background(), snapshot(rs)); err != nil {
			c.Rules = c.Rules[:len(c.Rules)-1] // refused (translation or kernel)
			continue
		}
		installed++
	}
	if installed < 150 {
		t.Fatalf("only %d of %d corpus rules installed", installed, len(cmds))
	}
	ns.NFT("add table ip unrelated")
	if p := apply(t, b, snapshot(rs)); !p.Empty() {
		t.Errorf("rules not recognised after a dump (they would be replaced on every reconcile):\n%s", p)
	}
	assertReadBack(t, b, rs)
	t.Logf("%d of %d corpus rules installed and converged", installed, len(cmds))
}

// snapshot copies a ruleset's chains: the backend takes an unchanged
// *Ruleset as already applied.
func snapshot(rs *firewall.Ruleset) *firewall.Ruleset {
	cp := &firewall.Ruleset{}
	for _, c := range rs.Chains {
		cc := *c
		cc.Rules = append([]firewall.Rule(nil), c.Rules...)
		cp.Chains = append(cp.Chains, &cc)
	}
	return cp
}

// assertReadBack checks that Read returns every rule of rs as given.
func assertReadBack(t *testing.T, b *Backend, rs *firewall.Ruleset) {
	t.Helper()
	got, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range rs.Chains {
		c := got.Chain(want.Family, want.Table, want.Name)
		if c == nil || len(c.Rules) != len(want.Rules) {
			t.Errorf("Read: chain %s %s %s missing or of the wrong length", want.Family, want.Table, want.Name)
			continue
		}
		for i := range want.Rules {
			if !c.Rules[i].Spec.Equal(want.Rules[i].Spec) {
				t.Errorf("Read: %s %s rule %d is %q, want %q", want.Table, want.Name, i, c.Rules[i].Spec, want.Rules[i].Spec)
			}
		}
	}
}
