package rule

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// ConnBytes is the connbytes match: the packets, bytes or average packet
// size a connection has seen in one direction or both, within [From, To]
// (To is math.MaxUint64 when no upper bound was given); inverted, outside.
// As in the kernel, an inverted single-value range ("! --connbytes 5:5")
// is not inverted.
//
// Both xt_connbytes and nft's ct packets/bytes/avgpkt turn conntrack
// accounting on. They differ on a connection that has no accounting
// (created before it was turned on): xt_connbytes never matches it, nft
// reads its counters as 0. A rule that matches the value 0 therefore
// installs xt_connbytes itself.
type ConnBytes struct {
	From, To uint64
	Invert   bool
	Mode     string // packets, bytes or avgpkt
	Dir      string // original, reply or both
	set      bool
}

// Name returns "connbytes".
func (m *ConnBytes) Name() string   { return "connbytes" }
func (m *ConnBytes) stateful() bool { return false }

func (m *ConnBytes) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--connbytes", "--connbytes-mode", "--connbytes-dir":
	default:
		return false, nil
	}
	given := map[string]bool{"--connbytes": m.set, "--connbytes-mode": m.Mode != "", "--connbytes-dir": m.Dir != ""}[opt]
	v, err := p.onceValue(opt, given)
	if err != nil {
		return true, err
	}
	if opt != "--connbytes" {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
	}
	switch opt {
	case "--connbytes":
		lo, hi, isRange := strings.Cut(v, ":")
		from, to := uint64(0), uint64(math.MaxUint64)
		if lo != "" || !isRange {
			if from, err = strconv.ParseUint(lo, 10, 64); err != nil {
				return true, argError(v, "not a number or range FROM:TO")
			}
		}
		if isRange && hi != "" {
			if to, err = strconv.ParseUint(hi, 10, 64); err != nil {
				return true, argError(v, "not a number or range FROM:TO")
			}
		}
		if from > to {
			return true, argError(v, "%d should be less than %d", from, to)
		}
		m.From, m.To, m.Invert, m.set = from, to, invert && from != to, true
	case "--connbytes-mode":
		if v != "packets" && v != "bytes" && v != "avgpkt" {
			return true, argError(v, "bad --connbytes-mode (packets, bytes or avgpkt)")
		}
		m.Mode = v
	case "--connbytes-dir":
		if v != "original" && v != "reply" && v != "both" {
			return true, argError(v, "bad --connbytes-dir (original, reply or both)")
		}
		m.Dir = v
	}
	return true, nil
}

func (m *ConnBytes) finish(*Rule) error {
	if !m.set || m.Mode == "" || m.Dir == "" {
		return argError("-m connbytes", "needs --connbytes, --connbytes-mode and --connbytes-dir")
	}
	return nil
}

func (m *ConnBytes) args() []string {
	v := strconv.FormatUint(m.From, 10)
	if m.To != math.MaxUint64 {
		v += ":" + strconv.FormatUint(m.To, 10)
	}
	return append(invertArgs(m.Invert, "--connbytes", v), "--connbytes-mode", m.Mode, "--connbytes-dir", m.Dir)
}

// matchesZero reports whether a counter of 0 matches.
func (m *ConnBytes) matchesZero() bool {
	if m.Invert {
		return m.From > 0
	}
	return m.From == 0
}

// xlate: a rule that matches a counter of 0 installs xt_connbytes itself,
// with the text of the native statement iptables-translate prints.
func (m *ConnBytes) xlate(x *xlator) error {
	if !m.matchesZero() {
		m.native(x)
		return nil
	}
	n := len(x.stmts)
	m.native(x)
	text := x.stmts[n].Text
	x.stmts = x.stmts[:n]
	ext, info := m.xtInfo()
	return x.addXt(text, "which reads 0 on a connection without accounting, where xt_connbytes never matches", ext, info)
}

// xtInfo encodes the match as struct xt_connbytes_info: a negation swaps
// the bounds, as iptables does.
func (m *ConnBytes) xtInfo() (*xt.Ext, []byte) {
	c := xt.Connbytes{From: m.From, To: m.To,
		What:      map[string]uint8{"packets": xt.ConnbytesPkts, "bytes": xt.ConnbytesBytes, "avgpkt": xt.ConnbytesAvgPkt}[m.Mode],
		Direction: map[string]uint8{"original": xt.ConnbytesOriginal, "reply": xt.ConnbytesReply, "both": xt.ConnbytesBothDirs}[m.Dir]}
	if m.Invert {
		c.From, c.To = c.To, c.From
	}
	return xt.ConnbytesMatch, c.Marshal()
}

// native appends nft's ct statement, exact unless the match accepts 0.
func (m *ConnBytes) native(x *xlator) {
	key := map[string]expr.CtKey{"packets": expr.CtKeyPKTS, "bytes": expr.CtKeyBYTES, "avgpkt": expr.CtKeyAVGPKT}[m.Mode]
	ct := &expr.Ct{Register: 1, Key: key}
	field := "ct "
	if m.Dir != "both" {
		field += m.Dir + " "
		ct.OptDirection = true
		if m.Dir == "reply" {
			ct.Direction = 1
		}
	}
	field += m.Mode
	be64 := binaryutil.BigEndian.PutUint64
	hton := &expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: 8, Size: 8}
	switch {
	case m.From == m.To:
		x.add(fmt.Sprintf("%s %d", field, m.From), ct, cmp(false, binaryutil.NativeEndian.PutUint64(m.From)))
	case m.To == math.MaxUint64:
		op, cop := "ge", expr.CmpOpGte
		if m.Invert {
			op, cop = "lt", expr.CmpOpLt
		}
		x.add(fmt.Sprintf("%s %s %d", field, op, m.From), ct, hton, &expr.Cmp{Op: cop, Register: 1, Data: be64(m.From)})
	default:
		x.add(fmt.Sprintf("%s %s%d-%d", field, neq(m.Invert), m.From, m.To),
			append([]expr.Any{ct, hton}, rangeCmp(m.Invert, be64(m.From), be64(m.To))...)...)
	}
}
