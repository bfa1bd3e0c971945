package rule

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// header translates the fixed part of a rule, in the order iptables-translate
// prints it: interfaces, fragment, protocol, source, destination.
func (x *xlator) header() error {
	r := x.rule
	x.iface("iifname", expr.MetaKeyIIFNAME, r.In)
	x.iface("oifname", expr.MetaKeyOIFNAME, r.Out)
	if r.Fragment {
		// -f matches non-first fragments: a non-zero fragment offset.
		text := "ip frag-off & 0x1fff != 0"
		if r.FragmentInvert {
			text = "ip frag-off & 0x1fff 0"
		}
		x.add(text,
			payload(expr.PayloadBaseNetworkHeader, 6, 2),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: []byte{0x1f, 0xff}, Xor: []byte{0, 0}},
			cmp(!r.FragmentInvert, []byte{0, 0}))
	}
	if r.Proto.Set && !x.protoImplied() {
		x.addProto(r.Proto)
	}
	x.addr("saddr", r.Src)
	x.addr("daddr", r.Dst)
	return nil
}

// addProto appends the rule's -p test.
func (x *xlator) addProto(p Proto) {
	name := protoName(p.Num)
	if _, known := protocols[p.Num]; !known {
		name = strconv.Itoa(int(p.Num))
	}
	if x.fam == IPv4 {
		load, c := x.loadCmp(expr.PayloadBaseNetworkHeader, 9, 1, p.Invert, []byte{p.Num})
		x.addLazy(func() string { return "ip protocol " + neq(p.Invert) + name }, load, c)
	} else {
		m, c := x.metaCmp(expr.MetaKeyL4PROTO, p.Invert, []byte{p.Num})
		x.addLazy(func() string { return "meta l4proto " + neq(p.Invert) + name }, m, c)
	}
	if !p.Invert {
		x.l4 = p.Num
	}
}

// protoImplied reports whether a loaded match is named like the protocol
// (-p tcp -m tcp): iptables-translate then leaves "ip protocol" out and nft
// adds the dependency itself. As in iptables, the names that count are
// iptables' own protocol names and the /etc/protocols name; so "-p
// ipv6-icmp -m icmp6" keeps "meta l4proto ipv6-icmp" (the match is "icmp6").
func (x *xlator) protoImplied() bool {
	if x.rule.Proto.Invert {
		return false
	}
	name, more := protoName(x.rule.Proto.Num), chainProtoNames[x.rule.Proto.Num]
	for _, m := range x.rule.Matches {
		if n := m.Name(); n == name || slices.Contains(more, n) {
			return true
		}
	}
	return false
}

// chainProtoNames are iptables' built-in protocol names (xtables_chain_protos).
var chainProtoNames = map[uint8][]string{
	6: {"tcp"}, 132: {"sctp"}, 17: {"udp"}, 136: {"udplite"}, 1: {"icmp"},
	58: {"icmpv6", "ipv6-icmp"}, 50: {"esp"}, 51: {"ah"}, 135: {"ipv6-mh", "mh"},
}

// iface translates -i/-o. iptables' "+" suffix is nft's "*" wildcard; a
// literal "*" at the end must be escaped; "+" alone matches everything.
func (x *xlator) iface(key string, mk expr.MetaKey, i Iface) {
	if i.Name == "" {
		return
	}
	name, wildcard := strings.CutSuffix(i.Name, "+")
	var padded [unix.IFNAMSIZ]byte
	copy(padded[:], name)
	switch {
	case wildcard && name == "" && !i.Invert:
		return // matches every interface
	case wildcard && name == "":
		// "! -i +" never matches: compare with a name no interface has.
		copy(padded[:], "INVAL/D")
		m, c := x.metaCmp(mk, false, padded[:])
		x.add(key+` "INVAL/D"`, m, c)
		return
	}
	data := padded[:]
	if wildcard {
		data = []byte(name) // holds no more than IFNAMSIZ bytes (checkIface)
	}
	m, c := x.metaCmp(mk, i.Invert, data)
	x.addLazy(func() string {
		text := `"` + name + `"`
		switch {
		case wildcard:
			text = `"` + name + `*"`
		case strings.HasSuffix(name, "*"):
			text = `"` + strings.TrimSuffix(name, "*") + `\*"`
		}
		return key + " " + neq(i.Invert) + text
	}, m, c)
}

// addr translates -s/-d. nft loads only the bytes a prefix covers and masks
// the last partial byte; other netmasks are an explicit bitwise "and".
func (x *xlator) addr(field string, a Addr) {
	if !a.Set {
		return
	}
	base := uint32(12)
	if field == "daddr" {
		base = 16
	}
	if x.fam == IPv6 {
		base = 8
		if field == "daddr" {
			base = 24
		}
	}
	family := x.fam.String()
	// The address's bytes in an array, not AsSlice's allocation: the
	// comparison copies what it needs of them.
	var ipBuf [16]byte
	ip := addrBytes(&ipBuf, a.IP)
	bits, isPrefix := prefixLen(a.Mask)
	switch {
	case isPrefix && bits == 0 && !a.Invert:
		return // matches every address
	case isPrefix && bits == 0:
		// nft keeps the full-width load and mask for /0.
		x.add(fmt.Sprintf("%s %s != %s/0", family, field, a.IP),
			payload(expr.PayloadBaseNetworkHeader, base, uint32(len(ip))),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(ip)), Mask: make([]byte, len(ip)), Xor: make([]byte, len(ip))},
			cmp(true, make([]byte, len(ip))))
	case isPrefix:
		// A byte-aligned prefix loads only the bytes it covers; any other
		// prefix loads the whole address and masks it.
		var exprs []expr.Any
		if bits%8 != 0 {
			load, c := x.loadCmp(expr.PayloadBaseNetworkHeader, base, uint32(len(ip)), a.Invert, ip)
			exprs = []expr.Any{load,
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(ip)), Mask: a.Mask.AsSlice(), Xor: make([]byte, len(ip))},
				c}
		} else {
			load, c := x.loadCmp(expr.PayloadBaseNetworkHeader, base, uint32(bits/8), a.Invert, ip[:bits/8])
			exprs = []expr.Any{load, c}
		}
		x.addLazy(func() string {
			text := a.IP.String()
			if bits != len(ip)*8 {
				text = fmt.Sprintf("%s/%d", a.IP, bits)
			}
			return fmt.Sprintf("%s %s %s%s", family, field, neq(a.Invert), text)
		}, exprs...)
	default:
		op := "=="
		if a.Invert {
			op = "!="
		}
		x.add(fmt.Sprintf("%s %s & %s %s %s", family, field, a.Mask, op, a.IP),
			payload(expr.PayloadBaseNetworkHeader, base, uint32(len(ip))),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(ip)), Mask: a.Mask.AsSlice(), Xor: make([]byte, len(ip))},
			cmp(a.Invert, a.IP.AsSlice()))
	}
}

// addrBytes returns the bytes of ip (4 or 16, nil for the zero Addr, as
// AsSlice) written into dst, without AsSlice's allocation.
func addrBytes(dst *[16]byte, ip netip.Addr) []byte {
	switch {
	case ip.Is4():
		a := ip.As4()
		return dst[:copy(dst[:], a[:])]
	case ip.IsValid():
		*dst = ip.As16()
		return dst[:]
	}
	return nil
}
