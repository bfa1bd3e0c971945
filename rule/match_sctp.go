package rule

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// exthdrOpSCTP is nft's SCTP chunk extension header operation
// (NFT_EXTHDR_OP_SCTP), which google/nftables does not name.
const exthdrOpSCTP expr.ExthdrOp = 3

// sctpChunk is one SCTP chunk type as iptables and nft name it. flags lists
// the chunk's flag letters from the most significant bit down to bit 0.
type sctpChunk struct {
	name, nft string
	typ       uint8
	flags     string
}

// sctpChunks is in the order iptables prints and translates chunk types.
var sctpChunks = []sctpChunk{
	{"DATA", "data", 0, "IUBE"}, {"INIT", "init", 1, ""}, {"INIT_ACK", "init-ack", 2, ""},
	{"SACK", "sack", 3, ""}, {"HEARTBEAT", "heartbeat", 4, ""},
	{"HEARTBEAT_ACK", "heartbeat-ack", 5, ""}, {"ABORT", "abort", 6, "T"},
	{"SHUTDOWN", "shutdown", 7, ""}, {"SHUTDOWN_ACK", "shutdown-ack", 8, ""},
	{"ERROR", "error", 9, ""}, {"COOKIE_ECHO", "cookie-echo", 10, ""},
	{"COOKIE_ACK", "cookie-ack", 11, ""}, {"ECN_ECNE", "ecne", 12, ""},
	{"ECN_CWR", "cwr", 13, ""}, {"SHUTDOWN_COMPLETE", "shutdown-complete", 14, "T"},
	{"I_DATA", "i-data", 64, "IUBE"}, {"RE_CONFIG", "re-config", 130, ""},
	{"PAD", "pad", 132, ""}, {"ASCONF", "asconf", 193, ""},
	{"ASCONF_ACK", "asconf-ack", 128, ""}, {"FORWARD_TSN", "forward-tsn", 192, ""},
	{"I_FORWARD_TSN", "i-forward-tsn", 194, ""},
}

// SCTPChunk is one chunk type of --chunk-types, optionally with flags: the
// chunk matches when its flags under FlagMask equal Flags.
type SCTPChunk struct {
	Type            uint8
	Flags, FlagMask uint8
}

// SCTP is the sctp match: ports and --chunk-types.
type SCTP struct {
	ports
	// ChunkMatch is "all", "any" or "only"; "" when --chunk-types is absent.
	ChunkMatch  string
	Chunks      []SCTPChunk // in sctpChunks order
	ChunkInvert bool
}

// Name returns "sctp".
func (s *SCTP) Name() string   { return "sctp" }
func (s *SCTP) stateful() bool { return false }

func (s *SCTP) parse(p *parser, opt string, invert bool) (bool, error) {
	if ok, err := s.parsePorts(p, opt, invert); ok || err != nil {
		return ok, err
	}
	if opt != "--chunk-types" {
		return false, nil
	}
	if s.ChunkMatch != "" {
		return true, argError(opt, "may only be given once")
	}
	kind, err := p.value(opt)
	if err != nil {
		return true, err
	}
	list, err := p.value(opt)
	if err != nil {
		return true, err
	}
	switch k := strings.ToLower(kind); k {
	case "all", "any", "only":
		s.ChunkMatch = k
	default:
		return true, argError(kind, "chunk match type must be all, any or only")
	}
	s.ChunkInvert = invert
	s.Chunks, err = parseSCTPChunks(list)
	return true, err
}

func parseSCTPChunks(list string) ([]SCTPChunk, error) {
	byType := map[uint8]SCTPChunk{}
	for _, item := range strings.Split(list, ",") {
		name, flags, hasFlags := strings.Cut(item, ":")
		switch strings.ToUpper(name) {
		case "ALL":
			for _, c := range sctpChunks {
				byType[c.typ] = SCTPChunk{Type: c.typ}
			}
			continue
		case "NONE":
			continue
		}
		var def *sctpChunk
		for i := range sctpChunks {
			if strings.EqualFold(sctpChunks[i].name, name) {
				def = &sctpChunks[i]
			}
		}
		if def == nil {
			return nil, argError(item, "unknown SCTP chunk type")
		}
		c := SCTPChunk{Type: def.typ}
		if hasFlags {
			if flags == "" {
				return nil, argError(item, "empty chunk flags")
			}
			for _, f := range flags {
				i := strings.IndexRune(def.flags, unicode.ToUpper(f))
				if i < 0 {
					return nil, argError(item, "flag %q is not valid for chunk %s", f, def.name)
				}
				bit := uint8(1) << (len(def.flags) - 1 - i)
				if c.FlagMask&bit != 0 {
					return nil, argError(item, "flag %q given twice", f)
				}
				c.FlagMask |= bit
				if f >= 'A' && f <= 'Z' {
					c.Flags |= bit
				}
			}
		}
		byType[c.Type] = c
	}
	var out []SCTPChunk
	for _, def := range sctpChunks {
		if c, ok := byType[def.typ]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *SCTP) finish(r *Rule) error { return checkProto(r, "sctp", protoSCTP) }

func (s *SCTP) args() []string {
	out := s.portArgs()
	if s.ChunkMatch == "" {
		return out
	}
	if s.ChunkInvert {
		out = append(out, "!")
	}
	var items []string
	for _, c := range s.Chunks {
		def := chunkDef(c.Type)
		item := def.name
		if c.FlagMask != 0 {
			item += ":"
			for i, f := range def.flags {
				bit := uint8(1) << (len(def.flags) - 1 - i)
				switch {
				case c.Flags&bit != 0:
					item += string(f)
				case c.FlagMask&bit != 0:
					item += strings.ToLower(string(f))
				}
			}
		}
		items = append(items, item)
	}
	list := strings.Join(items, ",")
	if list == "" {
		list = "NONE"
	}
	return append(out, "--chunk-types", s.ChunkMatch, list)
}

func chunkDef(t uint8) sctpChunk {
	for _, c := range sctpChunks {
		if c.typ == t {
			return c
		}
	}
	return sctpChunk{}
}

func (s *SCTP) xlate(x *xlator) error {
	printed := s.xlatePorts(x, "sctp", protoSCTP)
	if s.ChunkMatch != "" {
		switch {
		case s.ChunkInvert:
			return fmt.Errorf("! --chunk-types: %w", ErrUnsupported)
		case s.ChunkMatch == "any" && len(s.Chunks) != 1:
			return fmt.Errorf("--chunk-types any with several chunks: %w", ErrUnsupported)
		case len(s.Chunks) == 0:
			return fmt.Errorf("--chunk-types with no chunk: %w", ErrUnsupported)
		}
		chosen := map[uint8]SCTPChunk{}
		for _, c := range s.Chunks {
			chosen[c.Type] = c
		}
		for _, def := range sctpChunks {
			c, ok := chosen[def.typ]
			switch {
			case ok && c.FlagMask != 0:
				x.add(fmt.Sprintf("sctp chunk %s flags & 0x%x == 0x%x", def.nft, c.FlagMask, c.Flags),
					&expr.Exthdr{DestRegister: 1, Type: def.typ, Offset: 1, Len: 1, Op: exthdrOpSCTP},
					&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{c.FlagMask}, Xor: []byte{0}},
					cmp(false, []byte{c.Flags}))
			case ok:
				x.add("sctp chunk "+def.nft+" exists", sctpPresent(def.typ, true)...)
			case s.ChunkMatch == "only":
				x.add("sctp chunk "+def.nft+" missing", sctpPresent(def.typ, false)...)
			}
		}
		printed = true
	}
	if !printed {
		x.l4Only("sctp", protoSCTP)
	}
	return nil
}

func sctpPresent(typ uint8, present bool) []expr.Any {
	v := byte(0)
	if present {
		v = 1
	}
	return []expr.Any{
		&expr.Exthdr{DestRegister: 1, Type: typ, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT, Op: exthdrOpSCTP},
		cmp(false, []byte{v}),
	}
}
