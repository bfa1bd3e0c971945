package xt

// CPUMatch is xt_cpu, revision 0 (struct xt_cpu_info).
var CPUMatch = register(&Ext{Kind: Match, Name: "cpu", Rev: 0, Families: BothFamilies, Size: 8})

// CPU is struct xt_cpu_info: the CPU handling the packet.
type CPU struct {
	CPU    uint32
	Invert bool
}

// Marshal encodes the info.
func (c CPU) Marshal() []byte {
	b := newEnc(CPUMatch.Size)
	b.u32(0, c.CPU)
	if c.Invert {
		b.u32(4, 1)
	}
	return b
}
