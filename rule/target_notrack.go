package rule

import (
	"github.com/google/nftables/expr"
)

// NoTrack is -j NOTRACK: exempt the packet from connection tracking (table
// raw, which the caller checks). -j CT --notrack, its other spelling, is a
// CT (target_ct.go).
type NoTrack struct{}

func newNoTrack(*Rule) (Target, error) { return &NoTrack{}, nil }

// Name returns "NOTRACK".
func (n *NoTrack) Name() string { return "NOTRACK" }

func (n *NoTrack) parse(*parser, string, bool) (bool, error) { return false, nil }

func (n *NoTrack) finish(*Rule) error { return nil }

func (n *NoTrack) args() []string { return nil }

// keyArgs spells -j NOTRACK as -j CT --notrack, of which it is an alias.
func (n *NoTrack) keyArgs() []string { return []string{"-j", "CT", "--notrack"} }

func (n *NoTrack) xlate(x *xlator) error {
	x.add("notrack", &expr.Notrack{})
	return nil
}
