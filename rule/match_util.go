package rule

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
)

// This file holds what several match extensions share: range comparisons
// as nft builds them, host-order integers, interval sets and number parsing.

// rangeCmp matches register 1 against the inclusive range [lo, hi] the way
// nft 1.0.6 builds it: "a-b" becomes two comparisons (>= a, <= b), while
// "!= a-b" is a single range expression.
func rangeCmp(invert bool, lo, hi []byte) []expr.Any {
	if invert {
		return []expr.Any{&expr.Range{Op: expr.CmpOpNeq, Register: 1, FromData: lo, ToData: hi}}
	}
	return []expr.Any{
		&expr.Cmp{Op: expr.CmpOpGte, Register: 1, Data: lo},
		&expr.Cmp{Op: expr.CmpOpLte, Register: 1, Data: hi},
	}
}

// ne32 encodes a 32-bit value in host byte order, as nft compares marks,
// lengths and other host-order integers.
func ne32(v uint32) []byte { return binaryutil.NativeEndian.PutUint32(v) }

// be32 encodes a 32-bit value in network byte order.
func be32(v uint32) []byte { return binaryutil.BigEndian.PutUint32(v) }

// hostValueCmp compares a host-order 32-bit register with a value or a
// range. nft compares a single value in host order but converts the register
// to network order first (byteorder) to compare ranges.
func hostValueCmp(invert bool, lo, hi uint32) []expr.Any {
	if lo == hi {
		return []expr.Any{cmp(invert, ne32(lo))}
	}
	return append([]expr.Any{&expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: 4, Size: 4}},
		rangeCmp(invert, be32(lo), be32(hi))...)
}

// maskedCmp compares register 1 (n bytes) under a mask: a bitwise "and"
// with mask followed by a comparison with value.
func maskedCmp(invert bool, mask, value []byte) []expr.Any {
	return []expr.Any{
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(mask)), Mask: mask, Xor: make([]byte, len(mask))},
		cmp(invert, value),
	}
}

// parseUint parses a number of at most bits bits, as iptables'
// xtables_strtoui does (see strtoul).
func parseUint(v string, bits int) (uint64, error) {
	n, ok := strtoul(v)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	if bits < 64 && n>>bits != 0 {
		return 0, fmt.Errorf("not a number of at most %d bits", bits)
	}
	return n, nil
}

// parseUintRange parses "N", "LO:HI", ":HI" or "LO:" with numbers of at
// most bits bits; an omitted bound is 0 or the maximum.
func parseUintRange(v string, bits int) (lo, hi uint64, err error) {
	if lo, hi, err = parseUintBounds(v, bits); err == nil && lo > hi {
		return 0, 0, argError(v, "range is inverted (%d > %d)", lo, hi)
	}
	return lo, hi, err
}

// parseUintBounds is parseUintRange for a match that accepts an inverted
// range (LO > HI), as iptables does for length.
func parseUintBounds(v string, bits int) (lo, hi uint64, err error) {
	max := uint64(1)<<bits - 1
	a, b, isRange := strings.Cut(v, ":")
	if !isRange {
		n, err := parseUint(v, bits)
		if err != nil {
			return 0, 0, argError(v, "%v", err)
		}
		return n, n, nil
	}
	lo, hi = 0, max
	if a != "" {
		if lo, err = parseUint(a, bits); err != nil {
			return 0, 0, argError(v, "%v", err)
		}
	}
	if b != "" {
		if hi, err = parseUint(b, bits); err != nil {
			return 0, 0, argError(v, "%v", err)
		}
	}
	return lo, hi, nil
}

// portIntervalElements returns the elements of an anonymous interval set of
// ports as nft sends them: ranges sorted and merged (anonymous sets are
// auto-merged), each range a start element and an end marker one past its
// end, and a leading end marker at 0 when the first range starts above 0.
func portIntervalElements(ranges []PortRange) []nftables.SetElement {
	merged := mergePortRanges(ranges)
	var out []nftables.SetElement
	if len(merged) > 0 && merged[0].Lo != 0 {
		out = append(out, nftables.SetElement{Key: be16(0), IntervalEnd: true})
	}
	for _, r := range merged {
		out = append(out, nftables.SetElement{Key: be16(r.Lo)})
		if r.Hi != 0xffff {
			out = append(out, nftables.SetElement{Key: be16(r.Hi + 1), IntervalEnd: true})
		}
	}
	return out
}

// mergePortRanges returns the ranges sorted, overlapping and adjacent
// ones merged.
func mergePortRanges(ranges []PortRange) []PortRange {
	rs := append([]PortRange(nil), ranges...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Lo < rs[j].Lo })
	var merged []PortRange
	for _, r := range rs {
		if n := len(merged); n > 0 && uint32(r.Lo) <= uint32(merged[n-1].Hi)+1 {
			if r.Hi > merged[n-1].Hi {
				merged[n-1].Hi = r.Hi
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// hasRange reports whether any of the port ranges spans more than one port.
func hasRange(rs []PortRange) bool {
	for _, r := range rs {
		if r.Lo != r.Hi {
			return true
		}
	}
	return false
}
