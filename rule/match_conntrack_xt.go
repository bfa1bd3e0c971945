package rule

import (
	"errors"
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// xlate installs nft's ct statements where each option has an exact one,
// else the whole match as xt_conntrack (revision 3, as iptables-nft
// does): an expiry beyond what nft's milliseconds hold, ports without a
// protocol nft can load them for, SNAT/DNAT among other states or
// negated, --ctstatus NONE, or a /0.
//
// A netmask that is not a prefix stays refused: iptables 1.8.9 cannot
// parse one for conntrack and installs the address as given with an
// all-ones mask (a host match), where nftsync's parser has masked it.
func (c *Conntrack) xlate(x *xlator) error {
	n := len(x.stmts)
	err := c.xlateNative(x, false)
	if err == nil || !errors.Is(err, ErrUnsupported) {
		return err
	}
	for k := range c.Ports {
		if a := c.addr(k); a.Set {
			if _, ok := prefixLen(a.Mask); !ok {
				return err
			}
		}
	}
	x.stmts = x.stmts[:n]
	if err := c.xlateNative(x, true); err != nil {
		return err
	}
	var texts []string
	for _, s := range x.stmts[n:] {
		texts = append(texts, strings.TrimSpace(s.Text))
	}
	x.stmts = x.stmts[:n]
	ext, info := c.xtInfo()
	why := strings.TrimSuffix(err.Error(), ": "+ErrUnsupported.Error())
	return x.addXt(strings.Join(texts, " "), "which nft cannot say exactly: "+why, ext, info)
}

// xtInfo encodes the match as struct xt_conntrack_mtinfo3, as
// iptables-nft writes it.
func (c *Conntrack) xtInfo() (*xt.Ext, []byte) {
	var i xt.Conntrack
	set := func(flag uint16, invert bool) {
		i.MatchFlags |= flag
		if invert {
			i.Invert |= flag
		}
	}
	if c.StateSet {
		set(xt.CtState, c.StateInvert)
		i.StateMask = uint16(c.State &^ (CtStateUntracked | CtStateSNAT | CtStateDNAT))
		for _, b := range []struct{ ours, xt uint32 }{{CtStateSNAT, xt.CtStateSNAT}, {CtStateDNAT, xt.CtStateDNAT}, {CtStateUntracked, xt.CtStateUntracked}} {
			if c.State&b.ours != 0 {
				i.StateMask |= uint16(b.xt)
			}
		}
	}
	if c.Proto.Set {
		set(xt.CtProto, c.Proto.Invert)
		i.L4Proto = uint16(c.Proto.Num)
	}
	for k, flag := range []uint16{xt.CtOrigSrc, xt.CtOrigDst, xt.CtReplSrc, xt.CtReplDst} {
		if a := c.addr(k); a.Set {
			set(flag, a.Invert)
			i.Addrs[k] = xt.CtAddr{Addr: a.IP, Mask: a.Mask}
		}
	}
	if c.StatusSet {
		set(xt.CtStatus, c.StatusInvert)
		i.StatusMask = uint16(c.Status)
	}
	if c.Expire.Set {
		set(xt.CtExpires, c.Expire.Invert)
		i.ExpiresMin, i.ExpiresMax = c.Expire.Lo, c.Expire.Hi
	}
	for k, flag := range []uint16{xt.CtOrigSrcPort, xt.CtOrigDstPort, xt.CtReplSrcPort, xt.CtReplDstPort} {
		if p := c.Ports[k]; p.Set {
			set(flag, p.Invert)
			i.Ports[k], i.PortsHigh[k] = uint16(p.Lo), uint16(p.Hi)
		}
	}
	if c.Dir != "" {
		set(xt.CtDirection, c.Dir == "REPLY")
	}
	return xt.ConntrackMatch, i.Marshal()
}
