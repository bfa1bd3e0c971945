package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-iptables/iptables"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"sigs.k8s.io/knftables"
)

// The peers a user would pick instead of nftsync, driven the way their
// users drive them, in the same run as BenchmarkEngine's rows (their rows
// join its table):
//
//   - knftables (kube-proxy's library, which runs `nft -f` of a
//     transaction): a cold apply of the ruleset, ListRules of the chain,
//     and kube-proxy's idiom for a change, flushing the chain and adding
//     every rule again with one different;
//   - go-iptables the way the seed's controller (Kilo's pkg/iptables of
//     2021) uses it: one `iptables -C` and one `iptables -A` process a rule
//     (AppendUnique), a change in the middle of the list deleting every
//     rule from there on and adding them again (deleteFromIndex), and a
//     read that lists the chain (`iptables -S BIG`, its rule cache). Its
//     cold Set and change run at 1k rules only: at 10k they take minutes.

// peerRuns adds the peers' rows at n rules to res.
func peerRuns(b *testing.B, res *results, rs *firewall.Ruleset, n int) {
	b.Run(fmt.Sprintf("knftables/%d", n), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			knftablesRun(b, res, rs, n)
		}
	})
	b.Run(fmt.Sprintf("go-iptables/%d", n), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			goIPTablesRun(b, res, rs, n)
		}
	})
}

func knftablesRun(b *testing.B, res *results, rs *firewall.Ruleset, n int) {
	netnstest.RequireBinary(b, "nft")
	ns := netnstest.New(b)
	ctx := context.Background()
	rules := nftRules(b, rs.Chains[1])
	name := func(s string) string { return fmt.Sprintf("%s/%d", s, n) }
	// knftables runs nft in the namespace of the calling thread.
	err := ns.Do(func() error {
		nft, err := knftables.New(knftables.IPv4Family, "knft")
		if err != nil {
			return err
		}
		tx := nft.NewTransaction()
		tx.Add(&knftables.Table{})
		tx.Add(&knftables.Chain{Name: "FORWARD", Type: knftables.PtrTo(knftables.FilterType),
			Hook: knftables.PtrTo(knftables.ForwardHook), Priority: knftables.PtrTo(knftables.FilterPriority)})
		tx.Add(&knftables.Chain{Name: "BIG"})
		tx.Add(&knftables.Rule{Chain: "FORWARD", Rule: "jump BIG"})
		for _, r := range rules {
			tx.Add(&knftables.Rule{Chain: "BIG", Rule: r})
		}
		t0 := time.Now()
		if err := nft.Run(ctx, tx); err != nil {
			return fmt.Errorf("knftables apply: %w", err)
		}
		res.put(b, name("knftables-apply"), time.Since(t0))
		t0 = time.Now()
		got, err := nft.ListRules(ctx, "BIG")
		if err != nil {
			return fmt.Errorf("knftables ListRules: %w", err)
		}
		res.put(b, name("knftables-listrules"), time.Since(t0))
		if len(got) != n {
			return fmt.Errorf("knftables ListRules: %d rules, want %d", len(got), n)
		}
		res.put(b, name("knftables-flush-readd"), medianOf(3, func(k int) time.Duration {
			tx := nft.NewTransaction()
			tx.Flush(&knftables.Chain{Name: "BIG"})
			for i, r := range rules {
				if i == n/2 {
					r = fmt.Sprintf("ip saddr 192.0.2.%d counter drop", k+1)
				}
				tx.Add(&knftables.Rule{Chain: "BIG", Rule: r})
			}
			t0 := time.Now()
			if err := nft.Run(ctx, tx); err != nil {
				b.Errorf("knftables flush and re-add: %v", err)
			}
			return time.Since(t0)
		}))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// seedMax is the largest ruleset the seed's rule-by-rule Set is timed at.
const seedMax = 1000

func goIPTablesRun(b *testing.B, res *results, rs *firewall.Ruleset, n int) {
	path := netnstest.RequireBinary(b, "iptables-nft")
	netnstest.RequireBinary(b, "iptables-nft-restore")
	ns := netnstest.New(b)
	name := func(s string) string { return fmt.Sprintf("%s/%d", s, n) }
	var specs [][]string
	for _, r := range rs.Chains[1].Rules {
		specs = append(specs, r.Spec.Args())
	}
	if n > seedMax {
		// Loaded as one restore file, so that the read has rules to list.
		run(b, ns, restoreFile(rs), "iptables-nft-restore")
	}
	err := ns.Do(func() error {
		ipt, err := iptables.New(iptables.Path(path))
		if err != nil {
			return err
		}
		if n <= seedMax {
			if err := ipt.NewChain("filter", "BIG"); err != nil {
				return err
			}
			t0 := time.Now()
			for _, s := range specs {
				if err := ipt.AppendUnique("filter", "BIG", s...); err != nil {
					return fmt.Errorf("go-iptables AppendUnique: %w", err)
				}
			}
			res.put(b, name("go-iptables-seed-set"), time.Since(t0))
			// Rule n/2 changed: the seed deletes every rule from there on
			// and adds them again.
			t0 = time.Now()
			for _, s := range specs[n/2:] {
				if err := ipt.Delete("filter", "BIG", s...); err != nil {
					return fmt.Errorf("go-iptables Delete: %w", err)
				}
			}
			for i, s := range specs[n/2:] {
				if i == 0 {
					s = []string{"-s", "192.0.2.1/32", "-j", "DROP"}
				}
				if err := ipt.AppendUnique("filter", "BIG", s...); err != nil {
					return fmt.Errorf("go-iptables AppendUnique: %w", err)
				}
			}
			res.put(b, name("go-iptables-seed-one-change"), time.Since(t0))
		}
		t0 := time.Now()
		got, err := ipt.List("filter", "BIG")
		if err != nil {
			return fmt.Errorf("go-iptables List: %w", err)
		}
		res.put(b, name("go-iptables-seed-read"), time.Since(t0))
		if len(got) != n+1 { // -N BIG first
			return fmt.Errorf("go-iptables List: %d lines, want %d:\n%.300s", len(got), n+1, strings.Join(got, "\n"))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
