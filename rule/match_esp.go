package rule

import (
	"github.com/google/nftables/expr"
)

const (
	protoESP  = 50
	protoAH   = 51
	protoComp = 108
)

// ESP is the esp match: the security parameter index of an ESP packet
// within a range. Without --espspi (or with 0:4294967295) it only requires
// ESP, which the kernel match already does.
type ESP struct {
	SPI fieldRange
	fam Family
}

func newESP(r *Rule) (Match, error) { return &ESP{fam: r.Family}, nil }

// Name returns "esp".
func (m *ESP) Name() string   { return "esp" }
func (m *ESP) stateful() bool { return false }

func (m *ESP) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--espspi" {
		return false, nil
	}
	return true, m.SPI.parseRange(p, opt, invert, 32)
}

func (m *ESP) finish(*Rule) error { return nil }
func (m *ESP) args() []string     { return m.SPI.save("--espspi", 0xffffffff) }

func (m *ESP) xlate(x *xlator) error {
	if m.SPI.all(0xffffffff) {
		protoOnly(x, "esp", protoESP)
		return nil
	}
	x.add("esp spi "+m.SPI.text(),
		append(x.needL4(protoESP), append([]expr.Any{payload(expr.PayloadBaseTransportHeader, 0, 4)}, m.SPI.compare(4)...)...)...)
	return nil
}

// protoOnly translates an IPsec match that checks nothing but the protocol.
// iptables-translate prints "meta l4proto NAME" for iptables and "exthdr
// NAME exists" for ip6tables, which nft 1.0.6 cannot read (esp and ah are
// no extension headers to nft); "meta l4proto NAME" is exact in both
// families: in IPv6 nft stops at an AH header when it looks for the
// transport protocol, as ip6tables' AH match stops there.
func protoOnly(x *xlator, name string, proto uint8) {
	if x.l4 == proto {
		return
	}
	if x.fam == IPv4 {
		x.l4Only(name, proto)
		return
	}
	x.l4 = proto
	x.addExact("exthdr "+name+" exists", "meta l4proto "+name, "which nft 1.0.6 cannot read",
		meta(expr.MetaKeyL4PROTO), cmp(false, []byte{proto}))
}
