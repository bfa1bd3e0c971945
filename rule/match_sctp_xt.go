package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlate installs nft's statements, or the whole match as xt_sctp where
// nft has no exact statement for --chunk-types (negated, "any" of several
// chunks, NONE, ALL).
func (s *SCTP) xlate(x *xlator) error { return xlateOrXt(x, s.xlateNative, s) }

// sctpChunkMatch maps --chunk-types' first argument to chunk_match_type.
var sctpChunkMatch = map[string]uint32{"any": xt.SCTPChunkMatchAny, "all": xt.SCTPChunkMatchAll, "only": xt.SCTPChunkMatchOnly}

// xtInfo encodes the match as struct xt_sctp_info, as libxt_sctp writes
// it (0:0 for a port not given; the unused flag_info entries name chunk
// type 255): the flags of a chunk are recorded under the chunk's index in
// libxt_sctp's name table (the order of sctpChunks), which is its type for
// every chunk that has flags but I_DATA (whose flags parse drops).
func (s *SCTP) xtInfo() (*xt.Ext, []byte) {
	i := xt.SCTP{}
	sp, dp, inv := s.xtPortsUnset(xt.SCTPSrcPorts, xt.SCTPDestPorts)
	i.SPorts, i.DPorts, i.InvFlags = sp, dp, uint32(inv)
	if s.SPort.Set {
		i.Flags |= xt.SCTPSrcPorts
	}
	if s.DPort.Set {
		i.Flags |= xt.SCTPDestPorts
	}
	if s.ChunkMatch != "" {
		i.Flags |= xt.SCTPChunkTypes
		if s.ChunkInvert {
			i.InvFlags |= xt.SCTPChunkTypes
		}
		i.ChunkMatchType = sctpChunkMatch[s.ChunkMatch]
		if s.AllChunks {
			for w := range i.ChunkMap {
				i.ChunkMap[w] = 0xffffffff
			}
		}
		for _, c := range s.Chunks {
			i.ChunkMap[c.Type/32] |= 1 << (c.Type % 32)
			if c.FlagMask != 0 {
				i.FlagInfo = append(i.FlagInfo, xt.SCTPFlagInfo{ChunkType: c.Type, Flag: c.Flags, FlagMask: c.FlagMask})
			}
		}
	}
	return xt.SCTPMatch, i.Marshal()
}
