package rule

// The ah, hbh, rt, frag and ipcomp matches install their xt form where
// nft cannot compare as ip6tables does (xlateOrXt, xt_fallback.go): a
// length no header has, --fragres, a CPI range beyond 16 bits, segments
// left beyond 8 bits.

import "github.com/nftsync/nftsync/rule/xt"

func (m *AH) xlate(x *xlator) error     { return xlateOrXt(x, m.xlateNative, m) }
func (m *HBH) xlate(x *xlator) error    { return xlateOrXt(x, m.xlateNative, m) }
func (m *RT) xlate(x *xlator) error     { return xlateOrXt(x, m.xlateNative, m) }
func (m *Frag) xlate(x *xlator) error   { return xlateOrXt(x, m.xlateNative, m) }
func (m *IPComp) xlate(x *xlator) error { return xlateOrXt(x, m.xlateNative, m) }

// xtRange is a field range as the xt structs hold it.
func xtRange(f fieldRange) xt.Range {
	return xt.Range{Set: f.Set, Lo: f.Lo, Hi: f.Hi, Invert: f.Invert}
}

// xtInfo encodes ip6tables' ah match as struct ip6t_ah (IPv4's ah never
// needs its xt form).
func (m *AH) xtInfo() (*xt.Ext, []byte) {
	return xt.AH6Match, xt.AH6{SPI: xtRange(m.SPI), Len: m.Len, LenInvert: m.LenInvert, Res: m.Res}.Marshal()
}

// xtInfo encodes the match as struct ip6t_opts.
func (m *HBH) xtInfo() (*xt.Ext, []byte) {
	return xt.HBHMatch, xt.HBH{Len: m.Len, LenSet: m.LenSet, LenInvert: m.LenInvert}.Marshal()
}

// xtInfo encodes the match as struct ip6t_rt.
func (m *RT) xtInfo() (*xt.Ext, []byte) {
	return xt.RTMatch, xt.RT{Type: uint32(m.Type), TypeSet: m.TypeSet, TypeInvert: m.TypeInvert,
		SegsLeft: xtRange(m.SegsLeft), Len: m.Len, LenSet: m.LenSet, LenInvert: m.LenInvert}.Marshal()
}

// xtInfo encodes the match as struct ip6t_frag.
func (m *Frag) xtInfo() (*xt.Ext, []byte) {
	f := xt.Frag{ID: xtRange(m.ID)}
	for _, b := range []struct {
		on   bool
		flag uint8
	}{{m.ID.Set, xt.FragIDs}, {m.Res, xt.FragRes}, {m.First, xt.FragFirst}, {m.More, xt.FragMore}, {m.Last, xt.FragLast}} {
		if b.on {
			f.Flags |= b.flag
		}
	}
	return xt.FragMatch, f.Marshal()
}

// xtInfo encodes the match as struct xt_ipcomp. Without --ipcompspi
// iptables 1.8.9 writes the range 0:0 (libxt_ipcomp has no default),
// which the kernel reads as "CPI 0": that is the rule's meaning.
func (m *IPComp) xtInfo() (*xt.Ext, []byte) {
	spi := xtRange(m.SPI)
	spi.Set = true
	return xt.IPCompMatch, xt.IPComp{SPI: spi}.Marshal()
}
