package rule

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/nftsync/nftsync/rule/xt"
)

// TProxy is -j TPROXY: hand the packet to a local transparent socket
// listening on Port (and Addr), setting the packet mark under a mask.
//
// The rule is parsed and printed, but not translated: when no transparent
// socket is found xt_TPROXY drops the packet, while nft's tproxy statement
// ends the rule and lets the packet go on to the next one, and no single
// nft rule does both (iptables-translate's "tproxy to ... accept" lets such
// packets through).
type TProxy struct {
	Port       uint16
	Addr       netip.Addr // the unspecified address when not given
	Mark, Mask uint32
	fam        Family
	seen       map[string]bool
}

func newTProxy(r *Rule) (Target, error) {
	a := netip.IPv4Unspecified()
	if r.Family == IPv6 {
		a = netip.IPv6Unspecified()
	}
	return &TProxy{fam: r.Family, Addr: a}, nil
}

// Name returns "TPROXY".
func (t *TProxy) Name() string { return "TPROXY" }

func (t *TProxy) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--on-port", "--on-ip", "--tproxy-mark":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	v, err := p.onceValue(opt, t.seen[opt])
	if err != nil {
		return true, err
	}
	t.seen[opt] = true
	switch opt {
	case "--on-port":
		n, err := tgUint(v, 0xffff)
		if err != nil {
			return true, err
		}
		t.Port = uint16(n)
	case "--on-ip":
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || (t.fam == IPv4) != a.Is4() {
			return true, argError(v, "not a numeric %s address", famWord(t.fam))
		}
		t.Addr = a
	case "--tproxy-mark":
		if t.Mark, t.Mask, err = tgMarkMask(v); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (t *TProxy) finish(r *Rule) error {
	if !t.seen["--on-port"] {
		return argError("-j TPROXY", "needs --on-port")
	}
	if !r.Proto.Set || r.Proto.Invert || (r.Proto.Num != protoTCP && r.Proto.Num != protoUDP) {
		return argError("-j TPROXY", "needs -p tcp or -p udp")
	}
	return nil
}

// args are in iptables-save order; iptables-save prints all three options.
func (t *TProxy) args() []string {
	return []string{"--on-port", strconv.Itoa(int(t.Port)), "--on-ip", t.Addr.String(),
		"--tproxy-mark", fmt.Sprintf("0x%x/0x%x", t.Mark, t.Mask)}
}

// xlate: nft's tproxy statement is not exact (see TProxy), and the
// TPROXY target itself loads only in a table named mangle: refused, with
// the text iptables-translate prints.
func (t *TProxy) xlate(x *xlator) error {
	ext, info := t.xtInfo()
	return x.addXt(t.text(), "which lets a packet without a transparent socket go on to the next rule, while TPROXY drops it", ext, info)
}

// text is the statement iptables-translate prints for the target.
func (t *TProxy) text() string {
	to := ""
	if !t.Addr.IsUnspecified() {
		to = t.Addr.String()
		if t.fam == IPv6 {
			to = "[" + to + "]"
		}
	}
	if t.Port != 0 || to == "" {
		to += ":" + strconv.Itoa(int(t.Port))
	}
	s := "tproxy to " + to
	switch t.Mask {
	case 0:
	case 0xffffffff:
		s += fmt.Sprintf(" meta mark set 0x%x", t.Mark)
	default:
		s += fmt.Sprintf(" meta mark set meta mark & 0x%x xor 0x%x", ^t.Mask, t.Mark)
	}
	return s + " accept"
}

// xtInfo encodes the target as struct xt_tproxy_target_info_v1.
func (t *TProxy) xtInfo() (*xt.Ext, []byte) {
	return xt.TProxyTarget, xt.TProxy{MarkMask: t.Mask, MarkValue: t.Mark, Addr: t.Addr, Port: t.Port}.Marshal()
}
