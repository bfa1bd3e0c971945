package rule

import (
	"fmt"
	"math"
	"strconv"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Statistic is the statistic match: every Every-th packet (nth mode) or a
// packet with a probability (random mode).
//
// nth: xt_statistic starts its counter at every-1-packet and matches when
// it wraps to 0, so the k-th packet matches when k = packet+1 (mod every);
// nft's "numgen inc mod every packet" numbers the k-th packet (k-1) mod
// every, which matches the same packets. random: xt_statistic compares a
// random 31-bit number with round(p * 2^31), as nft's "meta random &
// 2147483647 < N" does (nft reads the register in network order, which
// changes which bit is cleared but not the probability).
type Statistic struct {
	Random bool   // --mode random, else nth
	Prob   uint32 // round(p * 2^31), random mode
	Every  uint32 // nth mode, at least 1
	Packet uint32 // nth mode, below Every
	Invert bool
	mode   string
	seen   map[string]bool
}

// Name returns "statistic".
func (m *Statistic) Name() string { return "statistic" }

// stateful: the nth counter advances with every packet evaluated.
func (m *Statistic) stateful() bool { return !m.Random }

func (m *Statistic) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--mode", "--probability", "--every", "--packet":
	default:
		return false, nil
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	v, err := p.onceValue(opt, m.seen[opt])
	if err != nil {
		return true, err
	}
	m.seen[opt] = true
	if invert {
		if opt != "--probability" && opt != "--every" {
			return true, argError(opt, "cannot be inverted")
		}
		m.Invert = true
	}
	switch opt {
	case "--mode":
		if v != "random" && v != "nth" {
			return true, argError(v, "bad mode (random or nth)")
		}
		m.mode, m.Random = v, v == "random"
	case "--probability":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return true, argError(v, "probability must be a number from 0 to 1")
		}
		m.Prob = uint32(math.Round(f * 0x80000000))
	case "--every", "--packet":
		n, err := parseUint(v, 32)
		if err != nil {
			return true, err
		}
		if opt == "--every" {
			if n == 0 {
				return true, argError(v, "--every must be at least 1")
			}
			m.Every = uint32(n)
		} else {
			m.Packet = uint32(n)
		}
	}
	return true, nil
}

func (m *Statistic) finish(*Rule) error {
	prob, nth := m.seen["--probability"], m.seen["--every"] || m.seen["--packet"]
	switch {
	case m.mode == "":
		return argError("-m statistic", "needs --mode")
	case prob && nth:
		return argError("--probability", "cannot be combined with --every or --packet")
	case m.Random && !prob:
		return argError("-m statistic", "--mode random needs --probability")
	case m.Random:
		return nil
	case !m.seen["--every"] || !m.seen["--packet"]:
		return argError("-m statistic", "--mode nth needs --every and --packet")
	case m.Packet >= m.Every:
		return argError(strconv.FormatUint(uint64(m.Packet), 10), "--packet must be below --every")
	}
	return nil
}

func (m *Statistic) args() []string {
	out := []string{"--mode", m.mode}
	if m.Random {
		return append(out, invertArgs(m.Invert, "--probability", fmt.Sprintf("%.11f", float64(m.Prob)/0x80000000))...)
	}
	out = append(out, invertArgs(m.Invert, "--every", strconv.FormatUint(uint64(m.Every), 10))...)
	return append(out, "--packet", strconv.FormatUint(uint64(m.Packet), 10))
}

func (m *Statistic) xlate(x *xlator) error {
	if m.Random {
		op, cop := "<", expr.CmpOpLt
		if m.Invert {
			op, cop = ">=", expr.CmpOpGte
		}
		x.add(fmt.Sprintf("meta random & 2147483647 %s %d", op, m.Prob),
			meta(expr.MetaKeyPRANDOM),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: be32(0x7fffffff), Xor: be32(0)},
			&expr.Cmp{Op: cop, Register: 1, Data: be32(m.Prob)})
		return nil
	}
	x.add(fmt.Sprintf("numgen inc mod %d %s%d", m.Every, neq(m.Invert), m.Packet),
		&expr.Numgen{Register: 1, Modulus: m.Every, Type: unix.NFT_NG_INCREMENTAL},
		cmp(m.Invert, ne32(m.Packet)))
	return nil
}
