package xt

import "bytes"

// HashlimitMatch is xt_hashlimit, revision 3 (struct xt_hashlimit_mtinfo3),
// which iptables 1.8.9 uses. The htable pointer at its end is
// kernel-private: zero here, zero in the kernel's dump.
var HashlimitMatch = register(&Ext{Kind: Match, Name: "hashlimit", Rev: 3, Families: BothFamilies, Size: 312})

// The bits of Hashlimit.Mode (XT_HASHLIMIT_*).
const (
	HashlimitDstIP = 1 << iota
	HashlimitDstPort
	HashlimitSrcIP
	HashlimitSrcPort
	HashlimitInvert
	HashlimitBytes
	HashlimitRateMatch
)

// HashlimitNameMax is the longest name the kernel takes: name[NAME_MAX]
// holds a terminating NUL.
const HashlimitNameMax = 254

// Hashlimit is struct xt_hashlimit_mtinfo3: the name and struct
// hashlimit_cfg3.
type Hashlimit struct {
	Name                                string
	Avg, Burst                          uint64
	Mode, Size, Max, GCInterval, Expire uint32
	Interval                            uint32
	SrcMask, DstMask                    uint8
}

// Marshal encodes the info (the name must be at most HashlimitNameMax bytes).
func (h Hashlimit) Marshal() []byte {
	b := newEnc(HashlimitMatch.Size)
	b.bytes(0, []byte(h.Name[:min(len(h.Name), HashlimitNameMax)]))
	// struct hashlimit_cfg3 starts 8-aligned after name[255].
	b.u64(256, h.Avg)
	b.u64(264, h.Burst)
	b.u32(272, h.Mode)
	b.u32(276, h.Size)
	b.u32(280, h.Max)
	b.u32(284, h.GCInterval)
	b.u32(288, h.Expire)
	b.u32(292, h.Interval)
	b.u8(296, h.SrcMask)
	b.u8(297, h.DstMask)
	return b
}

// DecodeHashlimit decodes the info.
func DecodeHashlimit(info []byte) (Hashlimit, error) {
	if err := checkLen(HashlimitMatch, info); err != nil {
		return Hashlimit{}, err
	}
	name, _, _ := bytes.Cut(info[:255], []byte{0})
	return Hashlimit{Name: string(name), Avg: host.Uint64(info[256:]), Burst: host.Uint64(info[264:]),
		Mode: host.Uint32(info[272:]), Size: host.Uint32(info[276:]), Max: host.Uint32(info[280:]),
		GCInterval: host.Uint32(info[284:]), Expire: host.Uint32(info[288:]), Interval: host.Uint32(info[292:]),
		SrcMask: info[296], DstMask: info[297]}, nil
}
