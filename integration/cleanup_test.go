package integration

import (
	"strings"
	"testing"

	"github.com/nftsync/nftsync/controller"
)

// TestCleanUp installs the Kilo rules on a router that other firewall users
// share, checks that they act on traffic, and then that CleanUp removes all
// of them and nothing else: Current() is empty, the kernel is back to the
// state before the controller started, traffic is untouched again, and a
// second CleanUp is a harmless no-op.
func TestCleanUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		n := newNetwork(t)
		addForeign(t, n.Router)
		ruleset := sortedRuleset(n.Router.Exec("nft", "list", "ruleset"))
		saves := map[bool]string{false: save(t, n.Router, false, ""), true: save(t, n.Router, true, "")}
		f := newFixture(t, backend, n.Router)

		f.set(t, kiloBoth())
		// FORWARD lets TCP to port through and drops UDP; KILO-NAT
		// keeps the source towards ServerNet and masquerades the rest.
		n.runProbes(t, []packetProbe{{"tcp", false, fromClient}, {"udp", false, blocked}, {"tcp", true, fromRouter}})

		for i := 0; i < 2; i++ {
			if err := f.ctl.CleanUp(); err != nil {
				t.Fatalf("CleanUp #%d: %v", i+1, err)
			}
			if k := f.currentKeys(t); len(ownedKeys(k)) != 0 {
				t.Errorf("after CleanUp #%d, Current() still holds:\n%s", i+1, strings.Join(k, "\n"))
			}
			if backend == controller.BackendNFTables {
				if now := sortedRuleset(n.Router.Exec("nft", "list", "ruleset")); now != ruleset {
					t.Errorf("after CleanUp #%d the ruleset is not what it was before Set:%s", i+1, lineDiff(ruleset, now))
				}
				continue
			}
			// iptables' tables always exist once used: tables that
			// were there before must be identical, the others empty.
			for _, v6 := range []bool{false, true} {
				now := save(t, n.Router, v6, "")
				if extra, ok := extraLines(saves[v6], now); !ok || !allEmptyTables(extra) {
					t.Errorf("after CleanUp #%d (v6 %v) iptables-save is not what it was before Set:%s", i+1, v6, lineDiff(saves[v6], now))
				}
			}
		}
		assertNoIncompatible(t, n.Router, "after CleanUp")
		n.runProbes(t, []packetProbe{{"tcp", false, fromClient}, {"udp", false, fromClient}, {"tcp", true, fromClient}, {"udp", true, fromClient}})
	})
}

// ownedKeys keeps the keys that say something is owned: rules and user
// chains. A built-in chain with the ACCEPT policy and no rules is nothing.
func ownedKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		if !strings.HasSuffix(k, " ACCEPT") || strings.Contains(k, " -A ") {
			out = append(out, k)
		}
	}
	return out
}

// allEmptyTables reports whether iptables-save lines only declare tables
// with built-in chains under the ACCEPT policy and no rules.
func allEmptyTables(lines []string) bool {
	for _, l := range lines {
		switch {
		case l == "", l == "COMMIT", strings.HasPrefix(l, "*"):
		case strings.HasPrefix(l, ":") && strings.Contains(l, " ACCEPT ["):
		default:
			return false
		}
	}
	return true
}
