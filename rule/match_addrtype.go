package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// addrTypes are the routing address types (RTN_*), in bit order; the
// address type bit of RTN_x is 1<<x. nft names the first nine.
var addrTypes = []string{"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
	"MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"}

const nftAddrTypes = 9

// AddrType is the addrtype match: the routing type of the source and/or
// destination address, optionally looked up on the packet's interface.
type AddrType struct {
	Src, Dst             uint16 // bit masks of address types
	SrcInvert, DstInvert bool
	// LimitIface is "", "in" or "out".
	LimitIface string
}

// Name returns "addrtype".
func (a *AddrType) Name() string   { return "addrtype" }
func (a *AddrType) stateful() bool { return false }

func (a *AddrType) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--src-type", "--dst-type":
		mask, inv := &a.Src, &a.SrcInvert
		if opt == "--dst-type" {
			mask, inv = &a.Dst, &a.DstInvert
		}
		if *mask != 0 {
			return true, argError(opt, "may only be given once")
		}
		v, err := p.value(opt)
		if err != nil {
			return true, err
		}
		for _, name := range strings.Split(v, ",") {
			found := false
			for i, t := range addrTypes {
				if strings.EqualFold(name, t) {
					*mask |= 1 << i
					found = true
				}
			}
			if !found {
				return true, argError(v, "unknown address type %q", name)
			}
		}
		*inv = invert
		return true, nil
	case "--limit-iface-in", "--limit-iface-out":
		if invert {
			return true, argError(opt, "cannot be negated")
		}
		if a.LimitIface != "" {
			return true, argError(opt, "--limit-iface-in and --limit-iface-out exclude each other")
		}
		a.LimitIface = strings.TrimPrefix(opt, "--limit-iface-")
		return true, nil
	}
	return false, nil
}

func (a *AddrType) finish(*Rule) error {
	if a.Src == 0 && a.Dst == 0 {
		return argError("-m addrtype", "needs --src-type or --dst-type")
	}
	return nil
}

func formatAddrTypes(mask uint16) string {
	var names []string
	for i, t := range addrTypes {
		if mask&(1<<i) != 0 {
			names = append(names, t)
		}
	}
	return strings.Join(names, ",")
}

// addrTypeSide is the source or the destination test of an addrtype match.
type addrTypeSide struct {
	opt, field string // iptables option, nft field
	mask       uint16
	invert     bool
}

// sides returns the source and the destination tests.
func (a *AddrType) sides() []addrTypeSide {
	return []addrTypeSide{{"--src-type", "saddr", a.Src, a.SrcInvert}, {"--dst-type", "daddr", a.Dst, a.DstInvert}}
}

func (a *AddrType) args() []string {
	var out []string
	for _, t := range a.sides() {
		if t.mask == 0 {
			continue
		}
		if t.invert {
			out = append(out, "!")
		}
		out = append(out, t.opt, formatAddrTypes(t.mask))
	}
	if a.LimitIface != "" {
		out = append(out, "--limit-iface-"+a.LimitIface)
	}
	return out
}

func (a *AddrType) xlate(x *xlator) error {
	if a.needsXt() {
		return a.xtXlate(x) // match_addrtype_xt.go
	}
	var texts []string
	for _, t := range a.sides() {
		if t.mask == 0 {
			continue
		}
		if t.mask>>nftAddrTypes != 0 {
			return fmt.Errorf("address type %s has no nft name: %w", formatAddrTypes(t.mask), ErrUnsupported)
		}
		key := t.field
		if a.LimitIface != "" {
			key += " . " + map[string]string{"in": "iif", "out": "oif"}[a.LimitIface]
		}
		var names []string
		var types []uint32
		for i := 0; i < nftAddrTypes; i++ {
			if t.mask&(1<<i) != 0 {
				names = append(names, strings.ToLower(addrTypes[i]))
				types = append(types, uint32(i))
			}
		}
		text := fmt.Sprintf("fib %s type %s{ %s }", key, neq(t.invert), strings.Join(names, ", "))
		if len(names) == 1 {
			text = fmt.Sprintf("fib %s type %s%s", key, neq(t.invert), names[0])
		}
		if x.fam == IPv6 {
			texts = append(texts, text) // installed as xt below
			continue
		}
		fib := &expr.Fib{Register: 1, ResultADDRTYPE: true, FlagSADDR: t.field == "saddr", FlagDADDR: t.field == "daddr",
			FlagIIF: a.LimitIface == "in", FlagOIF: a.LimitIface == "out"}
		if len(types) == 1 {
			x.add(text, fib, cmp(t.invert, ne32(types[0])))
			continue
		}
		set := &AnonSet{KeyType: nftables.TypeFIBAddr}
		for _, ty := range types {
			set.Elements = append(set.Elements, nftables.SetElement{Key: ne32(ty)})
		}
		x.add(text, fib, x.addSet(set, t.invert))
	}
	if x.fam == IPv6 {
		// ip6t's addrtype does not test the route type as nft's fib
		// does: UNICAST, MULTICAST and UNSPEC test the address's class
		// (ipv6_addr_type), all given types must hold (LOCAL,UNICAST
		// is a local unicast address, never a forwarded packet's), and
		// only LOCAL, ANYCAST and UNREACHABLE ask the route. The
		// kernel's match itself keeps that meaning (found by the packet
		// property test, seed 7: --dst-type LOCAL,UNICAST in FORWARD).
		ext, info := a.xtInfo()
		return x.addXt(strings.Join(texts, " "), "which nft's fib reads as route types, one of which must hold, where ip6t_addrtype tests the address class and all of them", ext, info)
	}
	return nil
}
