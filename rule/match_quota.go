package rule

import (
	"fmt"
	"math"
	"strconv"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule/xt"
)

// Quota is the quota match: it matches until the rule has seen Bytes bytes
// (inverted: once it has). Like limit, it is stateful.
//
// nft's quota matches while the bytes counted, this packet included, stay
// at most the quota, as xt_quota does, on kernels with the 2025 fix of
// nft_overquota ("consumed > quota"); older kernels stop one byte earlier.
type Quota struct {
	Bytes  uint64
	Invert bool
	set    bool
}

// Name returns "quota".
func (m *Quota) Name() string   { return "quota" }
func (m *Quota) stateful() bool { return true }

func (m *Quota) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--quota" {
		return false, nil
	}
	v, err := p.onceValue(opt, m.set)
	if err != nil {
		return true, err
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return true, argError(v, "not a number of bytes")
	}
	m.Bytes, m.Invert, m.set = n, invert, true
	return true, nil
}

func (m *Quota) finish(*Rule) error {
	if !m.set {
		return argError("-m quota", "needs --quota")
	}
	return nil
}

func (m *Quota) args() []string {
	return invertArgs(m.Invert, "--quota", strconv.FormatUint(m.Bytes, 10))
}

func (m *Quota) xlate(x *xlator) error {
	over := ""
	if m.Invert {
		over = "over "
	}
	text := fmt.Sprintf("quota %s%d bytes", over, m.Bytes)
	if m.Bytes > math.MaxInt64 {
		// nft_quota refuses a quota above S64_MAX (EOVERFLOW).
		ext, info := m.xtInfo()
		return x.addXt(text, "which the kernel refuses: nft's quota holds at most 2^63-1 bytes", ext, info)
	}
	x.add(text, &expr.Quota{Bytes: m.Bytes, Over: m.Invert})
	return nil
}

// xtInfo encodes the match as struct xt_quota_info.
func (m *Quota) xtInfo() (*xt.Ext, []byte) {
	return xt.QuotaMatch, xt.Quota{Bytes: m.Bytes, Invert: m.Invert}.Marshal()
}
