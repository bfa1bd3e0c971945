package xt

import "encoding/binary"

// HMarkTarget is xt_HMARK, revision 0 (struct xt_hmark_info), which
// iptables 1.8.9 uses in both families.
var HMarkTarget = register(&Ext{Kind: Target, Name: "HMARK", Rev: 0, Families: BothFamilies, Size: 64})

// The bits of HMark.Flags: XT_HMARK_FLAG(XT_HMARK_*).
const (
	HMarkSAddrMask = 1 << 0
	HMarkDAddrMask = 1 << 1
	HMarkSPI       = 1 << 2
	HMarkSPIMask   = 1 << 3
	HMarkSPort     = 1 << 4
	HMarkDPort     = 1 << 5
	HMarkSPortMask = 1 << 6
	HMarkDPortMask = 1 << 7
	HMarkProtoMask = 1 << 8
	HMarkRnd       = 1 << 9
	HMarkModulus   = 1 << 10
	HMarkOffset    = 1 << 11
	HMarkCT        = 1 << 12
)

// HMark is struct xt_hmark_info. SrcMask and DstMask are the 16 bytes of
// union nf_inet_addr. PortMask and PortSet are the 4 bytes of union
// hmark_ports, in network byte order as iptables writes them: the source
// port's 2 bytes, then the destination port's, or one SPI over all 4
// (the options that write them overlap, the later one winning, as in
// libxt_HMARK).
type HMark struct {
	SrcMask, DstMask  [16]byte
	PortMask, PortSet [4]byte
	Flags             uint32
	ProtoMask         uint16
	Rnd, Mod, Offset  uint32
}

// Marshal encodes the info.
func (h HMark) Marshal() []byte {
	b := newEnc(HMarkTarget.Size)
	b.bytes(0, h.SrcMask[:])
	b.bytes(16, h.DstMask[:])
	b.bytes(32, h.PortMask[:])
	b.bytes(36, h.PortSet[:])
	b.u32(40, h.Flags)
	b.u16(44, h.ProtoMask)
	b.u32(48, h.Rnd)
	b.u32(52, h.Mod)
	b.u32(56, h.Offset)
	return b
}

// Port16 returns the source (i 0) or destination (i 1) port half of a
// union hmark_ports.
func Port16(p [4]byte, i int) uint16 { return binary.BigEndian.Uint16(p[2*i:]) }

// SPI32 returns the union hmark_ports as an SPI.
func SPI32(p [4]byte) uint32 { return binary.BigEndian.Uint32(p[:]) }
