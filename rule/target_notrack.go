package rule

import (
	"github.com/google/nftables/expr"
)

// NoTrack is -j NOTRACK, or -j CT --notrack (Kind says which was written):
// exempt the packet from connection tracking (table raw, which the caller
// checks).
type NoTrack struct {
	// Kind is "NOTRACK" or "CT".
	Kind string
	set  bool
}

func newNoTrack(*Rule) (Target, error) { return &NoTrack{Kind: "NOTRACK", set: true}, nil }
func newCT(*Rule) (Target, error)      { return &NoTrack{Kind: "CT"}, nil }

// Name returns "NOTRACK" or "CT".
func (n *NoTrack) Name() string { return n.Kind }

// ctOptions are the CT target's other options: valid iptables, but not
// translated.
var ctOptions = map[string]bool{
	"--helper": true, "--ctevents": true, "--expevents": true, "--zone": true,
	"--zone-orig": true, "--zone-reply": true, "--timeout": true,
}

func (n *NoTrack) parse(p *parser, opt string, invert bool) (bool, error) {
	if n.Kind != "CT" {
		return false, nil
	}
	if ctOptions[opt] {
		return true, &ParseError{Arg: opt, Reason: "CT " + opt + " is not supported", Err: ErrUnsupported}
	}
	if opt != "--notrack" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if n.set {
		return true, argError(opt, "may only be given once")
	}
	n.set = true
	return true, nil
}

func (n *NoTrack) finish(*Rule) error {
	if !n.set {
		return &ParseError{Arg: "-j CT", Reason: "only -j CT --notrack is supported", Err: ErrUnsupported}
	}
	return nil
}

func (n *NoTrack) args() []string {
	if n.Kind == "CT" {
		return []string{"--notrack"}
	}
	return nil
}

// keyArgs spells both forms as -j CT --notrack, which is what -j NOTRACK
// is an alias of.
func (n *NoTrack) keyArgs() []string { return []string{"-j", "CT", "--notrack"} }

func (n *NoTrack) xlate(x *xlator) error {
	x.add("notrack", &expr.Notrack{})
	return nil
}
