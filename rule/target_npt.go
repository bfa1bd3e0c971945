package rule

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// NPT is -j SNPT and -j DNPT (IPv6): stateless network prefix translation
// (RFC 6296) of the source or destination address, from --src-pfx to
// --dst-pfx, checksum-neutral.
//
// nft has no such statement and iptables-translate no text; the kernel
// loads the targets only in a table named mangle, so the rule is refused
// in nftsync's tables.
type NPT struct {
	Dest     bool // DNPT
	Src, Dst netip.Prefix
	seen     map[string]bool
}

func newSNPT(r *Rule) (Target, error) { return newNPT(r, false) }
func newDNPT(r *Rule) (Target, error) { return newNPT(r, true) }

func newNPT(r *Rule, dest bool) (Target, error) {
	n := &NPT{Dest: dest, seen: map[string]bool{}}
	if r.Family != IPv6 {
		return nil, argError("-j "+n.Name(), "is IPv6 only")
	}
	return n, nil
}

// Name returns "SNPT" or "DNPT".
func (n *NPT) Name() string {
	if n.Dest {
		return "DNPT"
	}
	return "SNPT"
}

func (n *NPT) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--src-pfx" && opt != "--dst-pfx" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, n.seen[opt])
	if err != nil {
		return true, err
	}
	n.seen[opt] = true
	pfx, err := nptPrefix(v)
	if err != nil {
		return true, err
	}
	if opt == "--src-pfx" {
		n.Src = pfx
	} else {
		n.Dst = pfx
	}
	return true, nil
}

// nptPrefix parses ADDR/LEN as the kernel's checkentry takes it: a length
// of 1 to 64 (no length is 128) and no bits set after it. iptables
// passes the address unmasked, and the kernel refuses it otherwise.
func nptPrefix(v string) (netip.Prefix, error) {
	a, l, hasLen := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(a)
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return netip.Prefix{}, argError(v, "not a numeric IPv6 address (host names are not resolved)")
	}
	n := 128
	if hasLen {
		if n, err = strconv.Atoi(l); err != nil || strings.HasPrefix(l, "+") || n < 0 || n > 128 {
			return netip.Prefix{}, argError(v, "bad prefix length")
		}
	}
	if n == 0 {
		// iptables-save leaves a zero-length prefix out, and its output
		// then lacks a mandatory option: refused rather than unlistable.
		return netip.Prefix{}, argError(v, "a zero-length prefix cannot be listed back (iptables-save leaves it out)")
	}
	p := netip.PrefixFrom(ip, n)
	if n > 64 || p.Masked().Addr() != ip {
		return netip.Prefix{}, argError(v, "the kernel takes a prefix of at most 64 bits, with no bits set after it")
	}
	return p, nil
}

func (n *NPT) finish(*Rule) error {
	for _, o := range []string{"--src-pfx", "--dst-pfx"} {
		if !n.seen[o] {
			return argError("-j "+n.Name(), "needs %s", o)
		}
	}
	return nil
}

func (n *NPT) args() []string {
	return []string{"--src-pfx", fmt.Sprintf("%s/%d", n.Src.Addr(), n.Src.Bits()),
		"--dst-pfx", fmt.Sprintf("%s/%d", n.Dst.Addr(), n.Dst.Bits())}
}

func (n *NPT) xlate(x *xlator) error {
	ext, info := n.xtInfo()
	return x.addXtOnly("nft has no checksum-neutral prefix translation", ext, info)
}

// xtInfo encodes the target as struct ip6t_npt_tginfo.
func (n *NPT) xtInfo() (*xt.Ext, []byte) {
	ext := xt.SNPTTarget
	if n.Dest {
		ext = xt.DNPTTarget
	}
	return ext, xt.NPT{Src: n.Src.Addr(), Dst: n.Dst.Addr(), SrcLen: uint8(n.Src.Bits()), DstLen: uint8(n.Dst.Bits())}.Marshal()
}
