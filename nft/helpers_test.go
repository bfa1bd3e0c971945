package nft

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// newBackend opens a backend in ns with an observer.
func newBackend(t testing.TB, ns *netnstest.NS, opts ...Option) (*Backend, *firewall.Counter) {
	t.Helper()
	obs := &firewall.Counter{}
	b, err := New(append([]Option{WithNetNS(ns.Path), WithObserver(obs)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, obs
}

// chain builds a chain from iptables rule strings.
func chain(t testing.TB, fam rule.Family, table, name, policy string, rules ...string) *firewall.Chain {
	t.Helper()
	c := &firewall.Chain{Family: fam, Table: table, Name: name, Policy: policy}
	for _, s := range rules {
		r, err := rule.ParseString(fam, s)
		if err != nil {
			t.Fatalf("parsing %q: %v", s, err)
		}
		c.Rules = append(c.Rules, firewall.Rule{Spec: r})
	}
	return c
}

func apply(t testing.TB, b *Backend, rs *firewall.Ruleset) *firewall.Plan {
	t.Helper()
	p, err := b.Apply(context.Background(), rs)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p
}

var (
	handleRe  = regexp.MustCompile(` # handle \d+`)
	counterRe = regexp.MustCompile(`counter packets \d+ bytes \d+`)
)

// listing returns `nft list table` output without handles and counter
// values, so that two installs of the same rules compare equal.
func listing(ns *netnstest.NS, fam, table string) string {
	out := ns.Exec("nft", "list", "table", fam, table)
	out = handleRe.ReplaceAllString(out, "")
	return counterRe.ReplaceAllString(out, "counter")
}

// sortedListing is listing with the chains sorted by name: nft lists
// chains in creation order, which a repair that re-creates one chain
// changes without changing what the table does.
func sortedListing(ns *netnstest.NS, fam, table string) string {
	l := listing(ns, fam, table)
	parts := strings.Split(l, "\n\n")
	if len(parts) < 2 {
		return l
	}
	// Each chain block starts with "\tchain NAME {"; the first also
	// carries the table line, the last the closing brace.
	first, last := parts[0], parts[len(parts)-1]
	head, firstChain, _ := strings.Cut(first, "\n")
	if strings.HasPrefix(firstChain, "\tcomment ") {
		// The table's mark belongs to the table line.
		c, rest, _ := strings.Cut(firstChain, "\n")
		head, firstChain = head+"\n"+c, rest
	}
	lastChain, tail, _ := strings.Cut(last, "\n}\n")
	parts[0], parts[len(parts)-1] = firstChain, lastChain
	sort.Strings(parts)
	return head + "\n" + strings.Join(parts, "\n\n") + "\n}\n" + tail
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
