package rule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// BPF is the bpf match with --bytecode: a classic BPF program (as
// nfbpf_compile or tcpdump -ddd print it) run on the packet from its
// network header.
//
// iptables-translate has no translation for it: nftsync installs xt_bpf
// itself. --object-pinned is refused: iptables passes the kernel a file
// descriptor of the pinned program, which nftsync's declared state cannot
// hold.
type BPF struct {
	xt.BPF
	set bool
}

// Name returns "bpf".
func (m *BPF) Name() string   { return "bpf" }
func (m *BPF) stateful() bool { return false }

func (m *BPF) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--object-pinned":
		return true, unsupported("-m bpf --object-pinned: iptables hands the kernel a file descriptor of the pinned program, which a declared rule cannot hold; give the program with --bytecode")
	case "--bytecode":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	m.set = true
	m.Program, err = parseBPFBytecode(v)
	if err != nil {
		return true, argError(v, "%v", err)
	}
	return true, nil
}

// parseBPFBytecode reads "N,code jt jf k,code jt jf k,...": N
// instructions, each four decimal numbers.
func parseBPFBytecode(v string) ([]xt.BPFInstr, error) {
	fields := strings.Split(v, ",")
	if fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1] // libxt_bpf ignores a trailing comma
	}
	n, err := strconv.ParseUint(strings.TrimSpace(fields[0]), 10, 16)
	switch {
	case err != nil || !strings.Contains(v, ","):
		return nil, fmt.Errorf("the program must start with its length and a comma")
	case n == 0:
		return nil, fmt.Errorf("a program of zero instructions")
	case n > xt.BPFMaxInstr:
		return nil, fmt.Errorf("more than %d instructions", xt.BPFMaxInstr)
	case int(n) != len(fields)-1:
		return nil, fmt.Errorf("the program has %d instructions, its length says %d", len(fields)-1, n)
	}
	prog := make([]xt.BPFInstr, 0, n)
	for i, f := range fields[1:] {
		w := strings.Fields(f)
		if len(w) != 4 {
			return nil, fmt.Errorf("instruction %d: want four numbers (code jt jf k), got %q", i, f)
		}
		var nums [4]uint64
		for j, bits := range [4]int{16, 8, 8, 32} {
			if nums[j], err = strconv.ParseUint(w[j], 10, bits); err != nil {
				return nil, fmt.Errorf("instruction %d: %q is not a number of %d bits", i, w[j], bits)
			}
		}
		prog = append(prog, xt.BPFInstr{Code: uint16(nums[0]), Jt: uint8(nums[1]), Jf: uint8(nums[2]), K: uint32(nums[3])})
	}
	return prog, nil
}

func (m *BPF) finish(*Rule) error {
	if !m.set {
		return argError("-m bpf", "needs --bytecode")
	}
	return nil
}

func (m *BPF) args() []string {
	parts := []string{strconv.Itoa(len(m.Program))}
	for _, in := range m.Program {
		parts = append(parts, fmt.Sprintf("%d %d %d %d", in.Code, in.Jt, in.Jf, in.K))
	}
	return []string{"--bytecode", strings.Join(parts, ",")}
}

func (m *BPF) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXtOnly("it has no translation for -m bpf", ext, info)
}

// xtInfo encodes the match as struct xt_bpf_info_v1.
func (m *BPF) xtInfo() (*xt.Ext, []byte) { return xt.BPFMatch, m.BPF.Marshal() }
