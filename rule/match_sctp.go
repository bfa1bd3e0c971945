package rule

import (
	"fmt"
	"slices"
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

// nftUnlistedChunks are the chunk types nft 1.0.6 (Debian 12's) does not
// know: it aborts listing a rule that tests one natively (an assertion in
// sctp_chunk_init_raw), so such a test is installed as xt_sctp.
var nftUnlistedChunks = map[uint8]bool{64: true, 130: true, 132: true, 194: true}

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
	// AllChunks is the list "ALL": libxt_sctp sets every bit of the
	// kernel's chunk map, chunk types without a name included.
	AllChunks bool
}

// Name returns "sctp".
func (s *SCTP) Name() string   { return "sctp" }
func (s *SCTP) stateful() bool { return false }

func (s *SCTP) parse(p *parser, opt string, invert bool) (bool, error) {
	if ok, err := s.parsePorts(p, opt, invert, "sctp"); ok || err != nil {
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
	s.AllChunks = strings.EqualFold(list, "ALL")
	if s.AllChunks || strings.EqualFold(list, "NONE") {
		return true, nil
	}
	s.Chunks, err = parseSCTPChunks(list)
	return true, err
}

// parseSCTPChunks parses a list of chunk types as libxt_sctp does: a chunk
// given twice is one chunk with the flags of both, a flag given twice or
// in both cases counts once (upper case wins), "INIT:" has no flags.
// libxt_sctp records the flags of I_DATA for chunk type 15 (the index of
// I_DATA in its name table), where the kernel never looks: they are
// dropped, which is what the kernel does with them.
func parseSCTPChunks(list string) ([]SCTPChunk, error) {
	byType := map[uint8]SCTPChunk{}
	for _, item := range strings.Split(list, ",") {
		name, flags, _ := strings.Cut(item, ":")
		var def *sctpChunk
		for i := range sctpChunks {
			if strings.EqualFold(sctpChunks[i].name, name) {
				def = &sctpChunks[i]
			}
		}
		if def == nil {
			return nil, argError(item, "unknown SCTP chunk type")
		}
		c := byType[def.typ]
		c.Type = def.typ
		for _, f := range flags {
			i := strings.IndexRune(def.flags, unicode.ToUpper(f))
			if i < 0 {
				return nil, argError(item, "flag %q is not valid for chunk %s", f, def.name)
			}
			bit := uint8(1) << (len(def.flags) - 1 - i)
			c.FlagMask |= bit
			if unicode.IsUpper(f) {
				c.Flags |= bit
			}
		}
		if def.name == "I_DATA" {
			c.Flags, c.FlagMask = 0, 0
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
	out := s.portArgs(true)
	if s.ChunkMatch == "" {
		return out
	}
	if s.ChunkInvert {
		out = append(out, "!")
	}
	// libxt_sctp prints the chunk map in type order.
	chunks := slices.Clone(s.Chunks)
	slices.SortFunc(chunks, func(a, b SCTPChunk) int { return int(a.Type) - int(b.Type) })
	var items []string
	for _, c := range chunks {
		items = append(items, chunkDef(c.Type).name+chunkFlagsArg(c))
	}
	list := strings.Join(items, ",")
	switch {
	case s.AllChunks:
		list = "ALL"
	case list == "":
		list = "NONE"
	}
	return append(out, "--chunk-types", s.ChunkMatch, list)
}

// chunkFlagsArg is ":FLAGS" for a chunk with flags (upper case: set,
// lower case: clear), as libxt_sctp prints them, or "".
func chunkFlagsArg(c SCTPChunk) string {
	if c.FlagMask == 0 {
		return ""
	}
	def := chunkDef(c.Type)
	out := ":"
	for i, f := range def.flags {
		bit := uint8(1) << (len(def.flags) - 1 - i)
		switch {
		case c.Flags&bit != 0:
			out += string(f)
		case c.FlagMask&bit != 0:
			out += strings.ToLower(string(f))
		}
	}
	return out
}

func chunkDef(t uint8) sctpChunk {
	for _, c := range sctpChunks {
		if c.typ == t {
			return c
		}
	}
	return sctpChunk{}
}

// xlateNative appends nft's statements, or fails with ErrUnsupported
// where nft has none that is exact (xlate then installs xt_sctp).
func (s *SCTP) xlateNative(x *xlator) error {
	printed := s.xlatePorts(x, "sctp", protoSCTP)
	if s.ChunkMatch != "" {
		switch {
		case s.ChunkInvert:
			return fmt.Errorf("! --chunk-types: %w", ErrUnsupported)
		case s.AllChunks:
			return fmt.Errorf("--chunk-types %s ALL (every chunk type, unnamed ones too): %w", s.ChunkMatch, ErrUnsupported)
		case s.ChunkMatch == "any" && len(s.Chunks) != 1:
			return fmt.Errorf("--chunk-types any with several chunks: %w", ErrUnsupported)
		case len(s.Chunks) == 0:
			return fmt.Errorf("--chunk-types with no chunk: %w", ErrUnsupported)
		}
		chosen := map[uint8]SCTPChunk{}
		for _, c := range s.Chunks {
			chosen[c.Type] = c
		}
		// The tests, and whether the installed nft can list them all.
		var texts []string
		var exprs [][]expr.Any
		listable := true
		for _, def := range sctpChunks {
			c, ok := chosen[def.typ]
			switch {
			case ok && c.FlagMask != 0:
				texts = append(texts, fmt.Sprintf("sctp chunk %s flags & 0x%x == 0x%x", def.nft, c.FlagMask, c.Flags))
				exprs = append(exprs, []expr.Any{&expr.Exthdr{DestRegister: 1, Type: def.typ, Offset: 1, Len: 1, Op: exthdrOpSCTP},
					&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{c.FlagMask}, Xor: []byte{0}},
					cmp(false, []byte{c.Flags})})
			case ok:
				texts, exprs = append(texts, "sctp chunk "+def.nft+" exists"), append(exprs, sctpPresent(def.typ, true))
			case s.ChunkMatch == "only":
				texts, exprs = append(texts, "sctp chunk "+def.nft+" missing"), append(exprs, sctpPresent(def.typ, false))
			default:
				continue
			}
			listable = listable && !nftUnlistedChunks[def.typ]
		}
		if !listable {
			// The same test through xt_sctp, which the installed nft
			// lists (iptables-nft writes --chunk-types so too).
			ext, info := s.xtInfo()
			if err := x.addXt(strings.Join(texts, " "), "which nft 1.0.6 cannot list: it aborts on a chunk type it does not know (i-data, re-config, pad, i-forward-tsn)", ext, info); err != nil {
				return err
			}
		} else {
			for i, text := range texts {
				x.add(text, exprs[i]...)
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
