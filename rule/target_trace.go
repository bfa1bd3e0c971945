package rule

import (
	"github.com/google/nftables/expr"
)

// Trace is -j TRACE: mark the packet for rule tracing (nft monitor trace).
type Trace struct{}

func newTrace(*Rule) (Target, error) { return &Trace{}, nil }

// Name returns "TRACE".
func (*Trace) Name() string                              { return "TRACE" }
func (*Trace) parse(*parser, string, bool) (bool, error) { return false, nil }
func (*Trace) finish(*Rule) error                        { return nil }
func (*Trace) args() []string                            { return nil }
func (*Trace) xlate(x *xlator) error {
	x.add("nftrace set 1",
		&expr.Immediate{Register: 1, Data: []byte{1}},
		&expr.Meta{Key: expr.MetaKeyNFTRACE, SourceRegister: true, Register: 1})
	return nil
}
