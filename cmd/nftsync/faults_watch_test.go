package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// chaos makes random changes with nft in a namespace where `watch` keeps
// the owner "test" in its state: to the owned table (repaired by watch)
// and to unrelated tables, which it also makes in a shadow namespace that
// no nftsync sees, so that what the chaos left there is known exactly.
type chaos struct {
	t          *testing.T
	rng        *rand.Rand
	ns, shadow *netnstest.NS
	// unrelated are the tables the chaos may add rules to; made are the
	// ones it made, which it may delete.
	unrelated, made []string
	serial          int
	// owned and other count the changes made to owned and unrelated
	// tables (a change to an owned table fails when watch has not yet
	// repaired the table it needs: not counted).
	owned, other int
}

// both runs an nft script in the namespace and the shadow.
func (c *chaos) both(script string) {
	c.ns.NFT(script)
	c.shadow.NFT(script)
	c.other++
}

// onOwned runs nft with args in the namespace only.
func (c *chaos) onOwned(args ...string) {
	if _, err := c.ns.TryExec("nft", args...); err == nil {
		c.owned++
	}
}

// step makes one random change.
func (c *chaos) step() {
	c.serial++
	n := c.serial
	chains := []string{"FORWARD", "KF-0"}
	chain := chains[c.rng.IntN(len(chains))]
	switch c.rng.IntN(8) {
	case 0:
		c.onOwned("flush", "chain", "ip", "test-filter", chain)
	case 1:
		c.onOwned("delete", "table", "ip", "test-filter")
	case 2:
		c.onOwned("insert", "rule", "ip", "test-filter", chain, "ip", "daddr", fmt.Sprintf("203.0.113.%d", n%250), "accept")
	case 3:
		c.onOwned("add", "set", "ip", "test-filter", fmt.Sprintf("chaos%d", n), "{ type ipv4_addr; }")
	case 4:
		c.onOwned("add", "chain", "ip", "test-filter", fmt.Sprintf("chaos%d", n))
	case 5:
		name := fmt.Sprintf("inet chaos%d", n)
		c.both(fmt.Sprintf("table %s {\n\tchain c {\n\t\tip daddr 198.51.100.%d accept\n\t}\n}\n", name, n%250))
		c.unrelated = append(c.unrelated, name+" c")
		c.made = append(c.made, name)
	case 6:
		if len(c.made) == 0 {
			return
		}
		i := c.rng.IntN(len(c.made))
		name := c.made[i]
		c.made = append(c.made[:i], c.made[i+1:]...)
		for j, u := range c.unrelated {
			if strings.HasPrefix(u, name+" ") {
				c.unrelated = append(c.unrelated[:j], c.unrelated[j+1:]...)
				break
			}
		}
		c.both("delete table " + name + "\n")
	default:
		u := c.unrelated[c.rng.IntN(len(c.unrelated))]
		c.both(fmt.Sprintf("add rule %s ip saddr 192.0.2.%d counter drop\n", u, n%250))
	}
}

// metric returns the value of the Prometheus sample named name (with its
// labels) in a /metrics body, or "0".
func metric(body, name string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return "0"
	}
	return m[1]
}

// TestNFTablesWatchChaos runs `watch --interval 1h` (so every repair comes
// from the kernel's notifications) while a chaos loop makes random changes
// with nft: flushed owned chains, deleted owned tables, foreign rules,
// sets and chains in the owned table, unrelated tables added and deleted,
// foreign rules in unrelated tables (one of them an unmarked table named
// like an owned one). After a short settle the owned table is the desired
// one and every other table is exactly what the chaos left: the same as in
// a shadow namespace that got the same changes without nftsync. The chaos
// lasts 3 s, 60 s in the long form (NFTSYNC_STRESS).
func TestNFTablesWatchChaos(t *testing.T) {
	f := newNFTFault(t, 50)
	shadow := netnstest.New(t)
	shadow.NFT(nftForeign)
	w := startWatch(t, f.ns, "--backend", "nftables", "-4", f.paths[0], "--interval", "1h", "--metrics-addr", "127.0.0.1:0")
	var addr string
	eventually(t, "watch applied its rules and serves metrics", func() bool {
		if rec := w.logged("serving metrics"); rec != nil {
			addr, _ = rec["addr"].(string)
		}
		return addr != "" && w.logged("rules applied") != nil
	})
	want := f.ownedTable("test")
	if want == "" {
		t.Fatal("watch made no owned table")
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	c := &chaos{t: t, rng: rand.New(rand.NewPCG(uint64(seed), 0)), ns: f.ns, shadow: shadow,
		unrelated: []string{"ip foreign fw", "ip test-mangle pre", "inet other c"}}
	length := time.Duration(stress(3, 60)) * time.Second
	for end := time.Now().Add(length); time.Now().Before(end); {
		c.step()
		time.Sleep(time.Duration(c.rng.IntN(20)) * time.Millisecond)
	}
	start := time.Now()
	eventually(t, "watch repaired the owned table", func() bool {
		return f.ownedTable("test") == want &&
			runBin(t, "", nil, f.args("test", "diff", "-4", f.paths[0])...).code == 0
	})
	settled := time.Since(start)
	if got, shadowed := f.tables(false), nftTables(shadow, false); got != shadowed {
		t.Fatalf("the unrelated tables are not what the chaos left:\n%s\nwant (the shadow namespace):\n%s", got, shadowed)
	}
	select {
	case <-w.done:
		t.Fatalf("watch exited during the chaos:\n%s", w.stderr)
	default:
	}
	_, body := httpGet(t, "http://"+addr+"/metrics")
	t.Logf("%v of chaos: %d changes to the owned table, %d to unrelated ones; watch saw %s foreign and %s unrelated commits, ran %s repairs (%s differences repaired, %s failed); settled %v after the chaos",
		length, c.owned, c.other,
		metric(body, `nftsync_ruleset_events_total{kind="foreign"}`), metric(body, `nftsync_ruleset_events_total{kind="unrelated"}`),
		metric(body, `nftsync_reconcile_duration_seconds_count{op="reconcile"}`), metric(body, "nftsync_drift_repairs_total"),
		metric(body, `nftsync_errors_total{op="reconcile"}`), settled.Round(time.Millisecond))
	if c.owned == 0 || metric(body, "nftsync_drift_repairs_total") == "0" {
		t.Errorf("no change to the owned table was made or repaired: the test proves nothing")
	}
}
