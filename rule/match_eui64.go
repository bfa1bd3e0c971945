package rule

import "github.com/nftsync/nftsync/rule/xt"

// EUI64 is the eui64 match (IPv6 only, no options): the low 64 bits of
// the source address are the EUI-64 built from the source MAC address.
//
// iptables-translate has no translation for it, and nft cannot compute an
// EUI-64: nftsync installs ip6t_eui64 itself.
type EUI64 struct{}

func newEUI64(r *Rule) (Match, error) {
	if r.Family != IPv6 {
		return nil, argError("eui64", "is an IPv6 match")
	}
	return &EUI64{}, nil
}

// Name returns "eui64".
func (m *EUI64) Name() string                              { return "eui64" }
func (m *EUI64) stateful() bool                            { return false }
func (m *EUI64) parse(*parser, string, bool) (bool, error) { return false, nil }
func (m *EUI64) finish(*Rule) error                        { return nil }
func (m *EUI64) args() []string                            { return nil }

func (m *EUI64) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m eui64", ext, info)
}

// xtInfo encodes the match: an int the kernel does not read.
func (m *EUI64) xtInfo() (*xt.Ext, []byte) { return xt.EUI64Match, make([]byte, xt.EUI64Match.Size) }
