package nft

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/listingtest"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// TestPlacementListHead: in a FORWARD shared with a foreign rule, Read
// reports the owner's rules ahead of it as prepended (Head), so that the
// listing (iptsave.Write) fed back plans nothing and keeps every handle,
// and applied on a second fresh host with the same foreign rule gives the
// same FORWARD as on the first. Without the foreign rule, Head is 0.
func TestPlacementListHead(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	first, second := netnstest.New(t), netnstest.New(t)
	for _, ns := range []*netnstest.NS{first, second} {
		ns.Exec("iptables-nft", "-A", "FORWARD", "-s", "1.1.1.1", "-j", "DROP")
	}
	fwd := chain(t, rule.IPv4, "filter", "FORWARD", "",
		`-s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT`,
		`-d 10.4.0.0/16 -j ACCEPT`,
		`-i kilo0 -j DROP`)
	fwd.Head = 1
	want := &firewall.Ruleset{Chains: []*firewall.Chain{fwd}}
	b, _ := newBackend(t, first, WithPlacement("filter"))
	apply(t, b, want)

	read := func(b *Backend) (*firewall.Ruleset, *firewall.Chain) {
		t.Helper()
		rs, err := b.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c := rs.Chain(rule.IPv4, "filter", "FORWARD")
		if c == nil {
			t.Fatalf("Read has no FORWARD:\n%s", rulesetText(rs))
		}
		return rs, c
	}
	got, c := read(b)
	if g, w := rulesetText(&firewall.Ruleset{Chains: []*firewall.Chain{c}}), rulesetText(want); c.Head != 1 || g != w {
		t.Errorf("Read: FORWARD with Head %d\n%s\nwant Head 1\n%s", c.Head, g, w)
	}
	listed := listingtest.HeadListing(t, got)
	handles := first.Exec("nft", "-a", "list", "ruleset")
	if p := apply(t, b, listed); !p.Empty() {
		t.Errorf("the listing fed back: %s", p)
	}
	if got := first.Exec("nft", "-a", "list", "ruleset"); got != handles {
		t.Errorf("the listing fed back moved rules:\n%s\nwas\n%s", got, handles)
	}

	b2, _ := newBackend(t, second, WithPlacement("filter"))
	apply(t, b2, listed)
	forward := func(ns *netnstest.NS) string {
		var out []string
		for _, l := range strings.Split(ns.Exec("iptables-nft-save", "-t", "filter"), "\n") {
			if strings.HasPrefix(l, "-A FORWARD ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	order := `-A FORWARD -s 10.4.0.0/16 -m comment --comment "Kilo: pods" -j ACCEPT
-A FORWARD -s 1.1.1.1/32 -j DROP
-A FORWARD -d 10.4.0.0/16 -j ACCEPT
-A FORWARD -i kilo0 -j DROP`
	if f1, f2 := forward(first), forward(second); f1 != order || f2 != order {
		t.Errorf("FORWARD on the first host:\n%s\non the second, from the listing:\n%s\nwant both\n%s", f1, f2, order)
	}

	first.Exec("iptables-nft", "-D", "FORWARD", "-s", "1.1.1.1", "-j", "DROP")
	if _, c := read(b); c.Head != 0 {
		t.Errorf("with no foreign rule left, Head %d, want 0", c.Head)
	}
}

// TestPlacementReadRetries: when the ruleset changes between the read of
// the owned tables and the read of the placed rules, Read reads both again
// (they must be of one generation); without retries it says why.
func TestPlacementReadRetries(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	fwd := chain(t, rule.IPv4, "filter", "FORWARD", "", `-i kilo0 -j ACCEPT`)
	b, obs := newBackend(t, ns, WithPlacement("filter"))
	apply(t, b, &firewall.Ruleset{Chains: []*firewall.Chain{fwd}})
	bumps := 0
	b.beforePlacedRead = func() {
		if bumps < 2 {
			bumps++
			ns.NFT("add table ip bump" + string(rune('0'+bumps)))
		}
	}
	obs.Take()
	rs, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c := rs.Chain(rule.IPv4, "filter", "FORWARD"); c == nil || len(c.Rules) != 1 {
		t.Errorf("Read after retries:\n%s", rulesetText(rs))
	}
	if bumps != 2 || obs.Get("getgen") < 3 {
		t.Errorf("bumps %d, generation reads %d: want 2 bumps and a read per try", bumps, obs.Get("getgen"))
	}
	b2, _ := newBackend(t, ns, WithPlacement("filter"), WithMaxRetries(0))
	b2.beforePlacedRead = func() { ns.NFT("add table ip bump9") }
	if _, err := b2.Read(context.Background()); !errors.Is(err, errInterrupted) {
		t.Errorf("Read without retries: %v, want errInterrupted", err)
	}
}
