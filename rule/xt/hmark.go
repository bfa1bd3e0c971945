package xt

// HMarkTarget is xt_HMARK, revision 0 (struct xt_hmark_info), which
// iptables 1.8.9 uses in both families.
var HMarkTarget = register(&Ext{Kind: Target, Name: "HMARK", Rev: 0, Families: BothFamilies, Size: 64})

// The bits of HMark.Flags: XT_HMARK_FLAG(XT_HMARK_*).
const (
	HMarkSAddrMask = 1 << 0
	HMarkDAddrMask = 1 << 1
	HMarkSPortMask = 1 << 6
	HMarkDPortMask = 1 << 7
	HMarkProtoMask = 1 << 8
	HMarkRnd       = 1 << 9
	HMarkModulus   = 1 << 10
	HMarkOffset    = 1 << 11
	HMarkCT        = 1 << 12
)

// HMark is struct xt_hmark_info, without the SPI and port-set fields,
// which nftsync does not install. SrcMask and DstMask are the 16 bytes of
// union nf_inet_addr; the port masks are stored in host order, as
// iptables stores them.
type HMark struct {
	SrcMask, DstMask [16]byte
	SPortMask        uint16
	DPortMask        uint16
	Flags            uint32
	ProtoMask        uint16
	Rnd, Mod, Offset uint32
}

// Marshal encodes the info.
func (h HMark) Marshal() []byte {
	b := newEnc(HMarkTarget.Size)
	b.bytes(0, h.SrcMask[:])
	b.bytes(16, h.DstMask[:])
	b.u16(32, h.SPortMask)
	b.u16(34, h.DPortMask)
	b.u32(40, h.Flags)
	b.u16(44, h.ProtoMask)
	b.u32(48, h.Rnd)
	b.u32(52, h.Mod)
	b.u32(56, h.Offset)
	return b
}
