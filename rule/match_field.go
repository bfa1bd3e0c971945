package rule

import (
	"fmt"
	"strconv"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// This file holds what the IPsec (esp, ah, ipcomp) and IPv6 extension
// header (frag, hbh, rt, mh) matches share: an optionally inverted range of
// an unsigned header field, and the header fields as nft loads them.

// fieldRange is an optionally inverted inclusive range of a header field
// ("--espspi 500:600"). An unset range checks nothing.
type fieldRange struct {
	Set    bool
	Lo, Hi uint32
	Invert bool
}

// parseRange reads the value of opt ("N", "LO:HI", ":HI", "LO:") as numbers
// of at most bits bits.
func (f *fieldRange) parseRange(p *parser, opt string, invert bool, bits int) error {
	v, err := p.onceValue(opt, f.Set)
	if err != nil {
		return err
	}
	return f.setRange(v, invert, bits)
}

// setRange sets the range from a value already read.
func (f *fieldRange) setRange(v string, invert bool, bits int) error {
	lo, hi, err := parseUintRange(v, bits)
	if err != nil {
		return err
	}
	*f = fieldRange{Set: true, Lo: uint32(lo), Hi: uint32(hi), Invert: invert}
	return nil
}

// all reports whether the range is unset or covers every value below max
// without inversion: it then checks nothing.
func (f fieldRange) all(max uint32) bool {
	return !f.Set || (f.Lo == 0 && f.Hi == max && !f.Invert)
}

// save returns the option in iptables-save form ("! --opt LO:HI"), or
// nothing when the range checks nothing.
func (f fieldRange) save(opt string, max uint32) []string {
	if f.all(max) {
		return nil
	}
	v := strconv.FormatUint(uint64(f.Lo), 10)
	if f.Lo != f.Hi {
		v += ":" + strconv.FormatUint(uint64(f.Hi), 10)
	}
	if f.Invert {
		return []string{"!", opt, v}
	}
	return []string{opt, v}
}

// text prints the comparison as nft does ("!= 500-600").
func (f fieldRange) text() string {
	if f.Lo == f.Hi {
		return fmt.Sprintf("%s%d", neq(f.Invert), f.Lo)
	}
	return fmt.Sprintf("%s%d-%d", neq(f.Invert), f.Lo, f.Hi)
}

// compare returns the comparison of register 1, holding an n-byte
// big-endian field, with the range, as nft builds it.
func (f fieldRange) compare(n int) []expr.Any {
	enc := func(v uint32) []byte {
		b := be32(v)
		return b[4-n:]
	}
	if f.Lo == f.Hi {
		return []expr.Any{cmp(f.Invert, enc(f.Lo))}
	}
	return rangeCmp(f.Invert, enc(f.Lo), enc(f.Hi))
}

// ipv6Ext loads n bytes at off of the first IPv6 extension header of the
// given type (ipv6_find_hdr, as ip6tables finds it).
func ipv6Ext(typ uint8, off, n uint32) *expr.Exthdr {
	return &expr.Exthdr{Op: expr.ExthdrOpIpv6, DestRegister: 1, Type: typ, Offset: off, Len: n}
}

// ipv6ExtExists tests that the packet has an IPv6 extension header of the
// given type ("exthdr frag exists").
func ipv6ExtExists(typ uint8) []expr.Any {
	return []expr.Any{
		&expr.Exthdr{Op: expr.ExthdrOpIpv6, DestRegister: 1, Type: typ, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT},
		cmp(false, []byte{1}),
	}
}

// IPv6 extension header numbers.
const (
	nexthdrHop      = 0
	nexthdrRouting  = 43
	nexthdrFragment = 44
	nexthdrMH       = 135
)

// ipv6Only refuses an IPv6 extension header match in an iptables rule.
func ipv6Only(r *Rule, name string) error {
	if r.Family != IPv6 {
		return argError(name, "is an ip6tables match")
	}
	return nil
}
