package xt

// SCTPMatch is xt_sctp, revision 0 (struct xt_sctp_info). It is
// registered for protocol sctp: the engine sends the rule's -p as
// NFTA_RULE_COMPAT.
var SCTPMatch = register(&Ext{Kind: Match, Name: "sctp", Rev: 0, Families: BothFamilies, Size: 296})

// The bits of SCTP.Flags and SCTP.InvFlags (XT_SCTP_*).
const (
	SCTPSrcPorts   = 0x01
	SCTPDestPorts  = 0x02
	SCTPChunkTypes = 0x04
)

// The values of SCTP.ChunkMatchType (SCTP_CHUNK_MATCH_*).
const (
	SCTPChunkMatchAny  = 0x01
	SCTPChunkMatchAll  = 0x02
	SCTPChunkMatchOnly = 0x04
)

// SCTPFlagInfo is struct xt_sctp_flag_info: the flags a chunk of type
// ChunkType must have under FlagMask.
type SCTPFlagInfo struct {
	ChunkType, Flag, FlagMask uint8
}

// SCTP is struct xt_sctp_info. ChunkMap has bit N%32 of word N/32 set
// for chunk type N; the kernel's array is 64 words (256 / sizeof(u32)),
// of which only the first 8 name chunk types, but libxt_sctp's "ALL"
// sets every word.
type SCTP struct {
	DPorts, SPorts [2]uint16
	ChunkMap       [64]uint32
	ChunkMatchType uint32
	FlagInfo       []SCTPFlagInfo // at most 4
	Flags          uint32
	InvFlags       uint32
}

// Marshal encodes the info: dpts at 0, spts at 4, chunkmap at 8,
// chunk_match_type at 264, flag_info[4] at 268, flag_count at 280, flags
// at 284, invflags at 288.
func (s SCTP) Marshal() []byte {
	b := newEnc(SCTPMatch.Size)
	b.u16(0, s.DPorts[0])
	b.u16(2, s.DPorts[1])
	b.u16(4, s.SPorts[0])
	b.u16(6, s.SPorts[1])
	for i, w := range s.ChunkMap {
		b.u32(8+4*i, w)
	}
	b.u32(264, s.ChunkMatchType)
	for i := range 4 {
		b.u8(268+3*i, 0xff) // libxt_sctp's unused entries
	}
	for i, f := range s.FlagInfo {
		b.u8(268+3*i, f.ChunkType)
		b.u8(269+3*i, f.Flag)
		b.u8(270+3*i, f.FlagMask)
	}
	b.u32(280, uint32(len(s.FlagInfo)))
	b.u32(284, s.Flags)
	b.u32(288, s.InvFlags)
	return b
}
