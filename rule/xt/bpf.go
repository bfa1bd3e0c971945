package xt

// BPFMatch is xt_bpf, revision 1 (struct xt_bpf_info_v1), in bytecode
// mode: a classic BPF program of at most BPFMaxInstr instructions.
var BPFMatch = register(&Ext{Kind: Match, Name: "bpf", Rev: 1, Families: BothFamilies, Size: 528})

// BPFMaxInstr is XT_BPF_MAX_NUM_INSTR.
const BPFMaxInstr = 64

// BPFInstr is struct sock_filter.
type BPFInstr struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// BPF is struct xt_bpf_info_v1 in mode XT_BPF_MODE_BYTECODE; the kernel's
// filter pointer stays zero.
type BPF struct {
	Program []BPFInstr
}

// Marshal encodes the info.
func (p BPF) Marshal() []byte {
	b := newEnc(BPFMatch.Size)
	b.u16(2, uint16(len(p.Program)))
	for i, in := range p.Program {
		off := 8 + 8*i
		b.u16(off, in.Code)
		b.u8(off+2, in.Jt)
		b.u8(off+3, in.Jf)
		b.u32(off+4, in.K)
	}
	return b
}

// DecodeBPF decodes the info of a bytecode-mode program.
func DecodeBPF(info []byte) (BPF, error) {
	if err := checkLen(BPFMatch, info); err != nil {
		return BPF{}, err
	}
	var p BPF
	for i := 0; i < int(host.Uint16(info[2:])) && i < BPFMaxInstr; i++ {
		off := 8 + 8*i
		p.Program = append(p.Program, BPFInstr{Code: host.Uint16(info[off:]), Jt: info[off+2], Jf: info[off+3], K: host.Uint32(info[off+4:])})
	}
	return p, nil
}
