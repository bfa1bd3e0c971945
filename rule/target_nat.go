package rule

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// NAT is -j SNAT --to-source RANGE or -j DNAT --to-destination RANGE
// (both only make sense in table nat, which the caller checks).
type NAT struct {
	// Kind is "SNAT" or "DNAT".
	Kind  string
	Range NATRange
	NATFlags
	fam Family
	set bool
	l4  bool // whether nft states ports after the rule's -p (natPortsNative)
}

// NATRange is an address range with an optional port range:
// ADDR[-ADDR][:PORT[-PORT]], or [ADDR[-ADDR]]:PORT[-PORT] for IPv6. DNAT
// may leave the address out (":PORT").
type NATRange struct {
	Min, Max netip.Addr // invalid when only ports are given
	Ports    bool
	PortRange
	// Base is the base port of "P-Q/BASE" (target_nat_base.go), 0 when
	// there is none.
	Base uint16
}

// NATFlags are --random, --random-fully and --persistent.
type NATFlags struct {
	Random, FullyRandom, Persistent bool
}

func newSNAT(r *Rule) (Target, error) { return &NAT{Kind: "SNAT", fam: r.Family}, nil }
func newDNAT(r *Rule) (Target, error) { return &NAT{Kind: "DNAT", fam: r.Family}, nil }

// Name returns "SNAT" or "DNAT".
func (n *NAT) Name() string { return n.Kind }

func (n *NAT) toOption() string {
	if n.Kind == "SNAT" {
		return "--to-source"
	}
	return "--to-destination"
}

func (n *NAT) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt == "--to" || opt == n.toOption() {
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		v, err := p.onceValue(opt, n.set)
		if err != nil {
			return true, err
		}
		if n.Range, err = parseNATRange(n.fam, v); err != nil {
			return true, err
		}
		n.set = true
		return true, nil
	}
	return n.NATFlags.parse(opt, invert, n.Kind == "SNAT", true)
}

// parse handles the flag options; fully says whether --random-fully is
// accepted, persistent whether --persistent is.
func (f *NATFlags) parse(opt string, invert, fully, persistent bool) (bool, error) {
	var flag *bool
	switch {
	case opt == "--random":
		flag = &f.Random
	case opt == "--random-fully" && fully:
		flag = &f.FullyRandom
	case opt == "--persistent" && persistent:
		flag = &f.Persistent
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if *flag {
		return true, argError(opt, "may only be given once")
	}
	*flag = true
	return true, nil
}

func (f NATFlags) args() []string {
	return f.names("--random", "--random-fully", "--persistent")
}

// nft returns the flags as nft prints them (" random,persistent").
func (f NATFlags) nft() string {
	names := f.names("random", "fully-random", "persistent")
	if len(names) == 0 {
		return ""
	}
	return " " + strings.Join(names, ",")
}

// names returns the names of the flags that are set, given the names of
// --random, --random-fully and --persistent, in that order.
func (f NATFlags) names(random, fully, persistent string) []string {
	var out []string
	for _, n := range []struct {
		set  bool
		name string
	}{{f.Random, random}, {f.FullyRandom, fully}, {f.Persistent, persistent}} {
		if n.set {
			out = append(out, n.name)
		}
	}
	return out
}

// bits returns the NF_NAT_RANGE_* flags nft sends, for the expressions
// that take them raw.
func (f NATFlags) bits(ports bool) uint32 {
	var b uint32
	if ports {
		b |= unix.NF_NAT_RANGE_PROTO_SPECIFIED
	}
	if f.Random {
		b |= unix.NF_NAT_RANGE_PROTO_RANDOM
	}
	if f.FullyRandom {
		b |= unix.NF_NAT_RANGE_PROTO_RANDOM_FULLY
	}
	if f.Persistent {
		b |= unix.NF_NAT_RANGE_PERSISTENT
	}
	return b
}

// parseNATRange parses a --to-source/--to-destination value.
func parseNATRange(fam Family, v string) (NATRange, error) {
	var r NATRange
	addrs, ports := v, ""
	if fam == IPv6 {
		if strings.HasPrefix(v, "[") {
			end := strings.Index(v, "]")
			if end < 0 {
				return r, argError(v, "missing ']' after an IPv6 address")
			}
			addrs, ports = v[1:end], v[end+1:]
			if ports != "" && !strings.HasPrefix(ports, ":") {
				return r, argError(v, "expected ':PORT' after ']'")
			}
			r.Ports = ports != ""
			ports = strings.TrimPrefix(ports, ":")
		} else if a, p, ok := strings.Cut(v, ":"); ok && !strings.Contains(p, ":") {
			// As ip6tables: one colon (an address has more) starts
			// the ports (":80" changes only the port).
			addrs, ports, r.Ports = a, p, true
		}
	} else if strings.Count(v, ":") > 1 {
		return r, argError(v, "not an IPv4 address range")
	} else if a, p, ok := strings.Cut(v, ":"); ok {
		addrs, ports, r.Ports = a, p, true
	}
	if r.Ports {
		pr, base, err := parseNATPorts(ports)
		if err != nil {
			return r, err
		}
		r.PortRange, r.Base = pr, base
	}
	if addrs == "" {
		if !r.Ports {
			return r, argError(v, "needs an address or a port")
		}
		return r, nil
	}
	lo, hi, isRange := strings.Cut(addrs, "-")
	var err error
	if r.Min, err = natAddr(fam, lo, v); err != nil {
		return r, err
	}
	r.Max = r.Min
	if isRange {
		// An inverted range is valid iptables (the kernel maps into
		// it as it computes); NAT.xlate installs it as the xt target.
		if r.Max, err = natAddr(fam, hi, v); err != nil {
			return r, err
		}
	}
	return r, nil
}

func natAddr(fam Family, s, whole string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, argError(whole, "bad address %q (host names are not resolved)", s)
	}
	if (fam == IPv4) != a.Is4() {
		return netip.Addr{}, argError(whole, "%s is not an %s address", s, famWord(fam))
	}
	return a, nil
}

// String prints the range as iptables-save (and nft) write it.
func (r NATRange) String() string {
	var s string
	if r.Min.IsValid() {
		s = r.Min.String()
		if r.Max != r.Min {
			s += "-" + r.Max.String()
		}
	}
	if !r.Ports {
		return s
	}
	if r.Min.Is6() {
		s = "[" + s + "]"
	}
	return s + ":" + r.PortRange.withBase(r.Base)
}

func (n *NAT) finish(r *Rule) error {
	if !n.set {
		return argError("-j "+n.Kind, "needs %s", n.toOption())
	}
	if n.Range.Ports && !natPortProto(r) {
		return argError(n.toOption(), "a port needs -p tcp, udp, sctp, dccp or icmp")
	}
	n.l4 = l4PortProto(r)
	return nil
}

func (n *NAT) args() []string {
	return append([]string{n.toOption(), n.Range.String()}, n.NATFlags.args()...)
}

func (n *NAT) xlate(x *xlator) error { return xlateOrXt(x, n.xlateNative, n) }

// xlateNative is nft's snat or dnat statement, which cannot state an
// inverted address range (nft refuses to parse one, and the kernel's nat
// expression would get it only from nftsync) nor a base port, tested
// first, as iptables' xlate fails on it whatever the rest of the range.
func (n *NAT) xlateNative(x *xlator) error {
	if n.Range.Base != 0 {
		return noBasePort(strings.ToLower(n.Kind) + " to " + n.Range.String())
	}
	if n.Range.Max.Less(n.Range.Min) {
		return unsupported("%s to %s: the address range is inverted", strings.ToLower(n.Kind), n.Range)
	}
	if err := natPortsNative(strings.ToLower(n.Kind)+" to "+n.Range.String(), n.Range.Ports, n.l4); err != nil {
		return err
	}
	e := &expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4}
	kw := "snat"
	if n.Kind == "DNAT" {
		e.Type, kw = expr.NATTypeDestNAT, "dnat"
	}
	if n.fam == IPv6 {
		e.Family = unix.NFPROTO_IPV6
	}
	var exprs []expr.Any
	reg := uint32(1)
	load := func(data []byte) uint32 {
		exprs = append(exprs, &expr.Immediate{Register: reg, Data: data})
		reg++
		return reg - 1
	}
	if n.Range.Min.IsValid() {
		e.RegAddrMin = load(n.Range.Min.AsSlice())
		if n.Range.Max != n.Range.Min {
			e.RegAddrMax = load(n.Range.Max.AsSlice())
		}
	}
	if n.Range.Ports {
		e.RegProtoMin = load(be16(n.Range.Lo))
		if n.Range.Hi != n.Range.Lo {
			e.RegProtoMax = load(be16(n.Range.Hi))
		}
		e.Specified = true
	}
	e.Random, e.FullyRandom, e.Persistent = n.Random, n.FullyRandom, n.Persistent
	exprs = append(exprs, e)
	text := kw + " to " + n.Range.String() + n.NATFlags.nft()
	if n.Range.Min.Is6() && n.Range.Min != n.Range.Max && n.Range.Ports {
		// iptables-translate prints [A-B]:P, which nft 1.0.6 cannot parse;
		// nft reads (and lists) the same range as [A]-[B]:P.
		exact := fmt.Sprintf("%s to [%s]-[%s]:%s%s", kw, n.Range.Min, n.Range.Max, n.Range.PortRange.nft(), n.NATFlags.nft())
		x.addExact(text, exact, "which nft 1.0.6 cannot parse", exprs...)
		return nil
	}
	x.add(text, exprs...)
	return nil
}
