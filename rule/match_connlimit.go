package rule

import (
	"fmt"
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// Connlimit is the connlimit match: the number of connections of the
// packet's source (or destination) address, under a prefix mask, is above
// Limit (or, Upto, at most Limit).
//
// iptables-translate prints a named dynamic set with "ct count", which a
// rule cannot carry beside itself; nftsync installs xt_connlimit itself.
type Connlimit struct {
	Limit  uint32
	Upto   bool
	Prefix int // -1: not given (the full address)
	Daddr  bool
	seen   map[string]bool
	fam    Family
}

func newConnlimit(r *Rule) (Match, error) { return &Connlimit{Prefix: -1, fam: r.Family}, nil }

// Name returns "connlimit".
func (m *Connlimit) Name() string   { return "connlimit" }
func (m *Connlimit) stateful() bool { return false }

func (m *Connlimit) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--connlimit-upto", "--connlimit-above", "--connlimit-mask":
	case "--connlimit-saddr", "--connlimit-daddr":
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.seen["addr"] {
			return true, argError(opt, "only one of --connlimit-saddr and --connlimit-daddr")
		}
		m.mark("addr")
		m.Daddr = opt == "--connlimit-daddr"
		return true, nil
	default:
		return false, nil
	}
	v, err := p.onceValue(opt, m.seen[opt])
	if err != nil {
		return true, err
	}
	m.mark(opt)
	if opt == "--connlimit-mask" {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 8*addrLen(m.fam) {
			return true, argError(v, "not a prefix length between 0 and %d", 8*addrLen(m.fam))
		}
		m.Prefix = n
		return true, nil
	}
	if m.seen["limit"] {
		return true, argError(opt, "only one of --connlimit-upto and --connlimit-above")
	}
	m.mark("limit")
	n, err := parseUint(v, 32)
	if err != nil {
		return true, argError(v, "%v", err)
	}
	m.Limit = uint32(n)
	m.Upto = (opt == "--connlimit-upto") != invert
	return true, nil
}

func (m *Connlimit) mark(k string) {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	m.seen[k] = true
}

func (m *Connlimit) finish(*Rule) error {
	if !m.seen["limit"] {
		return argError("-m connlimit", "needs --connlimit-upto or --connlimit-above")
	}
	return nil
}

// prefix is the mask length in effect.
func (m *Connlimit) prefix() int {
	if m.Prefix < 0 {
		return 8 * addrLen(m.fam)
	}
	return m.Prefix
}

// args are in iptables-save order, which prints every option.
func (m *Connlimit) args() []string {
	limit, addr := "--connlimit-above", "--connlimit-saddr"
	if m.Upto {
		limit = "--connlimit-upto"
	}
	if m.Daddr {
		addr = "--connlimit-daddr"
	}
	return []string{limit, strconv.FormatUint(uint64(m.Limit), 10), "--connlimit-mask", strconv.Itoa(m.prefix()), addr}
}

// xlate installs xt_connlimit; the text is iptables-translate's, with the
// set it declares before the rule.
func (m *Connlimit) xlate(x *xlator) error {
	set := x.textSet("connlimit", "{ type "+addrType(m.fam)+"_addr; flags dynamic; }")
	ext, info := m.xtInfo()
	return x.addXt(m.text(set), "which needs that set beside the rule", ext, info)
}

// text is the statement iptables-translate prints, adding to set.
func (m *Connlimit) text(set string) string {
	dir := "saddr"
	if m.Daddr {
		dir = "daddr"
	}
	key := fmt.Sprintf("%s %s", m.fam, dir)
	if p := m.prefix(); p != 8*addrLen(m.fam) {
		key += " and " + fullMask(8*addrLen(m.fam), p).String()
	}
	over := "over "
	if m.Upto {
		over = ""
	}
	return fmt.Sprintf("add @%s { %s ct count %s%d }", set, key, over, m.Limit)
}

// xtInfo encodes the match as struct xt_connlimit_info.
func (m *Connlimit) xtInfo() (*xt.Ext, []byte) {
	c := xt.Connlimit{Mask: fullMask(8*addrLen(m.fam), m.prefix()), Limit: m.Limit}
	if m.Upto {
		c.Flags |= xt.ConnlimitInvert
	}
	if m.Daddr {
		c.Flags |= xt.ConnlimitDaddr
	}
	return xt.ConnlimitMatch, c.Marshal()
}

// addrLen is the length of an address of the family, in bytes.
func addrLen(f Family) int {
	if f == IPv6 {
		return 16
	}
	return 4
}

// addrType is nft's address type of the family.
func addrType(f Family) string {
	if f == IPv6 {
		return "ipv6"
	}
	return "ipv4"
}
