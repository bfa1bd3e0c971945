package rule

import (
	"fmt"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// The frag and rt matches are translated natively where nft has an exact
// form; where it has none (--fragres, which iptables-translate prints as
// "frag reserved 1" though it requires the reserved fields to be zero; an
// --rt-len that is not a whole number of 8-byte units; an --rt-segsleft
// beyond the 8-bit field) the whole match is installed as the kernel's
// ip6t_frag or ip6t_rt.

// xtInfo encodes the frag match as struct ip6t_frag.
func (m *Frag) xtInfo() (*xt.Ext, []byte) {
	f := xt.Frag{IDs: [2]uint32{0, 0xffffffff}, HdrLen: m.Len}
	if m.LenSet {
		f.Flags |= xt.FragLen
		if m.LenInvert {
			f.InvFlags |= xt.FragInvLen
		}
	}
	// A range of every value is no test, and iptables-save leaves it
	// out: the info is that of the saved rule, which list prints.
	if !m.ID.all(0xffffffff) {
		f.IDs = [2]uint32{m.ID.Lo, m.ID.Hi}
		f.Flags |= xt.FragIDs
		if m.ID.Invert {
			f.InvFlags |= xt.FragInvIDs
		}
	}
	for _, b := range []struct {
		on   bool
		flag uint8
	}{{m.Res, xt.FragRes}, {m.First, xt.FragFirst}, {m.More, xt.FragMore}, {m.Last, xt.FragLast}} {
		if b.on {
			f.Flags |= b.flag
		}
	}
	return xt.FragMatch, f.Marshal()
}

// xtXlate installs ip6t_frag with iptables-translate's text, which means
// something else than the rule as meaning says.
func (m *Frag) xtXlate(x *xlator, meaning string) error {
	var parts []string
	if !m.ID.all(0xffffffff) {
		parts = append(parts, "frag id "+m.ID.text())
	}
	for _, f := range []struct {
		on   bool
		text string
	}{{m.Res, "frag reserved 1"}, {m.First, "frag frag-off 0"}, {m.More, "frag more-fragments 1"}, {m.Last, "frag more-fragments 0"}} {
		if f.on {
			parts = append(parts, f.text)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "exthdr frag exists")
	}
	ext, info := m.xtInfo()
	return x.addXt(strings.Join(parts, " "), meaning, ext, info)
}

// rtExact reports whether nft can compare the rt match's fields exactly.
func (m *RT) rtExact() bool {
	return (!m.LenSet || optLenExact(m.Len)) && (m.SegsLeft.all(0xffffffff) || m.SegsLeft.Lo <= 0xff)
}

// xtInfo encodes the rt match as struct ip6t_rt.
func (m *RT) xtInfo() (*xt.Ext, []byte) {
	r := xt.RT{Type: uint32(m.Type), SegsLeft: [2]uint32{0, 0xffffffff}, HdrLen: m.Len}
	if m.TypeSet {
		r.Flags |= xt.RTType
		if m.TypeInvert {
			r.InvFlags |= xt.RTInvType
		}
	}
	// A range of every value is no test, and iptables-save leaves it
	// out: the info is that of the saved rule, which list prints.
	if !m.SegsLeft.all(0xffffffff) {
		r.SegsLeft = [2]uint32{m.SegsLeft.Lo, m.SegsLeft.Hi}
		r.Flags |= xt.RTSegs
		if m.SegsLeft.Invert {
			r.InvFlags |= xt.RTInvSegs
		}
	}
	if m.LenSet {
		r.Flags |= xt.RTLen
		if m.LenInvert {
			r.InvFlags |= xt.RTInvLen
		}
	}
	return xt.RTMatch, r.Marshal()
}

// xtXlate installs ip6t_rt with iptables-translate's text.
func (m *RT) xtXlate(x *xlator) error {
	var parts []string
	if m.TypeSet {
		parts = append(parts, fmt.Sprintf("rt type %s%d", neq(m.TypeInvert), m.Type))
	}
	if !m.SegsLeft.all(0xffffffff) {
		parts = append(parts, "rt seg-left "+m.SegsLeft.text())
	}
	if m.LenSet {
		parts = append(parts, fmt.Sprintf("rt hdrlength %s%d", neq(m.LenInvert), m.Len))
	}
	if len(parts) == 0 {
		parts = append(parts, "exthdr rt exists")
	}
	ext, info := m.xtInfo()
	return x.addXt(strings.Join(parts, " "), "which nft compares with the raw 8-bit fields (length in 8-byte units)", ext, info)
}
