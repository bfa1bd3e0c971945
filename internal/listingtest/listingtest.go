// Package listingtest holds what the engines' tests of a shared chain's
// listing have in common (nft and compat, TestPlacementListHead and
// TestHeadListed): the owned state read from the kernel, written as
// `nftsync list` writes it, checked and read back.
package listingtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
)

// HeadListing writes rs, whose IPv4 FORWARD holds the prepended rule
// `-s 10.4.0.0/16 ...` and the appended `-d 10.4.0.0/16 ...`, as an
// iptables-save listing (iptsave.Write); checks that the first is listed
// as -I FORWARD 1 and the second as -A; and returns the listing read back.
func HeadListing(t testing.TB, rs *firewall.Ruleset) *firewall.Ruleset {
	t.Helper()
	var listing bytes.Buffer
	if err := iptsave.Write(&listing, rs, rule.IPv4); err != nil {
		t.Fatal(err)
	}
	if s := listing.String(); !strings.Contains(s, "\n-I FORWARD 1 -s 10.4.0.0/16 ") || !strings.Contains(s, "\n-A FORWARD -d 10.4.0.0/16 ") {
		t.Errorf("listing:\n%s\nwant the first rule as -I FORWARD 1, the others as -A", s)
	}
	listed, err := iptsave.Parse(bytes.NewReader(listing.Bytes()), "listing", rule.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	return listed
}
