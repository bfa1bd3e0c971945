package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// A conntrack match that nft cannot express exactly (SNAT or DNAT with
// other states or negated, an --ctexpire beyond nft's 32-bit
// milliseconds, a port without a --ctproto nft knows ports of) is
// installed as the kernel's xt_conntrack itself, with iptables-translate's
// text (which nft reads otherwise or refuses); so is --ctstatus NONE or
// an address under /0, which nft's ct cannot compare. An address under a
// netmask that is not a prefix is a host address, as iptables 1.8.9
// parses it (parseCtAddr).

// xtReason says why nft has no exact form of the match, or "".
func (c *Conntrack) xtReason() string {
	if nat := c.State & (CtStateSNAT | CtStateDNAT); c.StateSet && nat != 0 && (c.StateInvert || c.State != nat || nat == CtStateSNAT|CtStateDNAT) {
		return "--ctstate " + formatCtStates(c.State) + ", which iptables-translate prints as one NAT status bit"
	}
	if c.Expire.Set && uint64(c.Expire.Hi)*1000 > 0xffffffff {
		return "--ctexpire " + c.Expire.String() + ", which nft's milliseconds cannot hold"
	}
	if c.StatusSet && c.Status == 0 {
		return "--ctstatus NONE, which nft's ct status cannot compare"
	}
	for i := range ctAddrOpts {
		if a := c.addr(i); a.Set {
			if _, ok := prefixLen(a.Mask); !ok {
				return "" // refused by the native translation
			}
		}
	}
	for i := range ctAddrOpts {
		if a := c.addr(i); a.Set && a.Mask.IsUnspecified() {
			return ctAddrOpts[i] + " under /0, which nft's ct cannot compare"
		}
	}
	for i, pv := range c.Ports {
		if pv.Set && (!c.Proto.Set || c.Proto.Invert || !multiportProtos[c.Proto.Num]) {
			return ctPortOpts[i] + " without --ctproto tcp, udp, udplite, sctp or dccp, which nft refuses"
		}
	}
	if c.noEntryPasses() && c.testsEntry() {
		// xt_conntrack: with no entry, "return info->match_flags &
		// XT_CONNTRACK_STATE" once the state test passed.
		return "--ctstate " + formatCtStates(c.State) + " with other options: a packet without a conntrack entry (in raw, before conntrack, or untracked) passes that state test, and xt_conntrack then tests nothing else, where nft's other ct tests fail"
	}
	return ""
}

// noEntryPasses reports whether a packet without a conntrack entry
// (state INVALID, or UNTRACKED) can pass the --ctstate test.
func (c *Conntrack) noEntryPasses() bool {
	if !c.StateSet {
		return false
	}
	if c.StateInvert {
		return c.State&CtStateInvalid == 0 || c.State&CtStateUntracked == 0
	}
	return c.State&(CtStateInvalid|CtStateUntracked) != 0
}

// testsEntry reports whether the match tests the entry beyond its state.
func (c *Conntrack) testsEntry() bool {
	if c.Proto.Set || c.StatusSet || c.Expire.Set || c.Dir != "" {
		return true
	}
	for i := range ctAddrOpts {
		if c.addr(i).Set {
			return true
		}
	}
	for _, pv := range c.Ports {
		if pv.Set {
			return true
		}
	}
	return false
}

// xtXlate installs xt_conntrack with iptables-translate's text, built
// from the native texts of the other options in its order (direction,
// protocol, state, status, expiration, addresses, ports).
func (c *Conntrack) xtXlate(x *xlator, why string) error {
	cp := *c
	cp.xtText = true
	var expire string
	if nat := c.State & (CtStateSNAT | CtStateDNAT); c.StateSet && nat != 0 {
		// libxt_conntrack prints "ct status snat" (or dnat) alone.
		cp.State, cp.StateInvert = CtStateDNAT, false
		if nat&CtStateSNAT != 0 {
			cp.State = CtStateSNAT
		}
	}
	if e := c.Expire; e.Set && uint64(e.Hi)*1000 > 0xffffffff {
		expire = "ct expiration " + neq(e.Invert) + strings.ReplaceAll(e.String(), ":", "-")
		cp.Expire = CtValue{}
	}
	var ports []string
	for i, name := range []string{"original proto-src", "original proto-dst", "reply proto-src", "reply proto-dst"} {
		if pv := c.Ports[i]; pv.Set && (!c.Proto.Set || c.Proto.Invert || !multiportProtos[c.Proto.Num]) {
			ports = append(ports, "ct "+name+" "+neq(pv.Invert)+strings.ReplaceAll(pv.String(), ":", "-"))
			cp.Ports[i] = CtValue{}
		}
	}
	tmp := &xlator{fam: x.fam, rule: x.rule}
	if err := cp.xlate(tmp); err != nil {
		return err
	}
	var texts []string
	for _, st := range tmp.stmts {
		texts = append(texts, strings.TrimSpace(st.Text))
	}
	if expire != "" {
		at := b2n(c.Dir != "") + b2n(c.Proto.Set) + b2n(c.StateSet) + b2n(c.StatusSet)
		texts = append(texts[:at], append([]string{expire}, texts[at:]...)...)
	}
	texts = append(texts, ports...)
	ext, info := c.xtInfo()
	return x.addXt(strings.Join(texts, " "), "which nft reads otherwise or refuses: "+why, ext, info)
}

func b2n(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ctKernelStates maps nftsync's state bits to xt_conntrack's.
var ctKernelStates = map[uint32]uint16{
	CtStateInvalid: xt.CtStateInvalid, CtStateEstablished: xt.CtStateEstablished, CtStateRelated: xt.CtStateRelated,
	CtStateNew: xt.CtStateNew, CtStateUntracked: xt.CtStateUntracked, CtStateSNAT: xt.CtStateSNAT, CtStateDNAT: xt.CtStateDNAT,
}

// xtInfo encodes the match as struct xt_conntrack_mtinfo3.
func (c *Conntrack) xtInfo() (*xt.Ext, []byte) {
	var k xt.Conntrack
	flag := func(set, invert bool, bit uint16) {
		if set {
			k.MatchFlags |= bit
			if invert {
				k.InvertFlags |= bit
			}
		}
	}
	flag(c.StateSet, c.StateInvert, xt.CtState)
	for bit, kbit := range ctKernelStates {
		if c.State&bit != 0 {
			k.StateMask |= kbit
		}
	}
	flag(c.Proto.Set, c.Proto.Invert, xt.CtProto)
	k.L4Proto = uint16(c.Proto.Num)
	for i := range ctAddrOpts {
		if a := c.addr(i); a.Set {
			flag(true, a.Invert, xt.CtOrigSrc<<i)
			// For an IPv4 host address iptables sets all 16 bytes of the
			// mask, of which the kernel reads 4; nftsync leaves the other
			// 12 zero, as google/nftables writes back the conntrack info
			// it decodes from a dump (which is how the engine recognises
			// the rule).
			k.Addr[i], k.Mask[i] = a.IP, a.Mask
		}
	}
	flag(c.StatusSet, c.StatusInvert, xt.CtStatus)
	k.StatusMask = uint16(c.Status)
	flag(c.Expire.Set, c.Expire.Invert, xt.CtExpires)
	k.ExpiresMin, k.ExpiresMax = c.Expire.Lo, c.Expire.Hi
	for i, pv := range c.Ports {
		flag(pv.Set, pv.Invert, xt.CtOrigSrcPt<<i)
		k.Ports[i] = [2]uint16{uint16(pv.Lo), uint16(pv.Hi)}
	}
	flag(c.Dir != "", strings.EqualFold(c.Dir, "REPLY"), xt.CtDirection)
	return xt.ConntrackMatch, k.Marshal()
}
