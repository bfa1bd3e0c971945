package xt

// DevGroupMatch is the devgroup match, revision 0 (struct
// xt_devgroup_info), for both families. Its checkentry allows
// --src-group only where there is an input device (PREROUTING, INPUT,
// FORWARD) and --dst-group only where there is an output device
// (FORWARD, OUTPUT, POSTROUTING): see DevGroupHooks.
var DevGroupMatch = register(&Ext{Kind: Match, Name: "devgroup", Rev: 0, Families: BothFamilies, Size: 24})

// The flags of struct xt_devgroup_info (XT_DEVGROUP_*).
const (
	DevGroupMatchSrc  = 0x1
	DevGroupInvertSrc = 0x2
	DevGroupMatchDst  = 0x4
	DevGroupInvertDst = 0x8
)

// DevGroup is struct xt_devgroup_info.
type DevGroup struct {
	Flags             uint32
	SrcGroup, SrcMask uint32
	DstGroup, DstMask uint32
}

// Marshal encodes the info.
func (d DevGroup) Marshal() []byte {
	b := newEnc(DevGroupMatch.Size)
	b.u32(0, d.Flags)
	b.u32(4, d.SrcGroup)
	b.u32(8, d.SrcMask)
	b.u32(12, d.DstGroup)
	b.u32(16, d.DstMask)
	return b
}

// DevGroupHooks are the hooks the kernel accepts a devgroup match with
// these flags from (devgroup_mt_checkentry).
func DevGroupHooks(flags uint32) Hooks {
	h := AllHooks
	if flags&DevGroupMatchSrc != 0 {
		h &= PreRouting | LocalIn | Forward
	}
	if flags&DevGroupMatchDst != 0 {
		h &= Forward | LocalOut | PostRouting
	}
	return h
}
