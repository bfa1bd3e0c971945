package rule

import (
	"fmt"
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
		x.add("ip protocol "+neq(p.Invert)+name,
			payload(expr.PayloadBaseNetworkHeader, 9, 1),
			cmp(p.Invert, []byte{p.Num}))
	} else {
		x.add("meta l4proto "+neq(p.Invert)+name,
			meta(expr.MetaKeyL4PROTO),
			cmp(p.Invert, []byte{p.Num}))
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
	names := append([]string{protoName(x.rule.Proto.Num)}, chainProtoNames[x.rule.Proto.Num]...)
	for _, m := range x.rule.Matches {
		for _, n := range names {
			if m.Name() == n {
				return true
			}
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
	var text string
	var data []byte
	switch {
	case wildcard && name == "" && !i.Invert:
		return // matches every interface
	case wildcard && name == "":
		// "! -i +" never matches: compare with a name no interface has.
		x.add(key+` "INVAL/D"`, meta(mk), cmp(false, ifname("INVAL/D")))
		return
	case wildcard:
		text, data = `"`+name+`*"`, []byte(name)
	case strings.HasSuffix(name, "*"):
		text, data = `"`+strings.TrimSuffix(name, "*")+`\*"`, ifname(name)
	default:
		text, data = `"`+name+`"`, ifname(name)
	}
	x.add(key+" "+neq(i.Invert)+text, meta(mk), cmp(i.Invert, data))
}

// ifname pads an interface name to IFNAMSIZ, as nft compares exact names.
func ifname(s string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, s)
	return b
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
	ip, mask := a.IP.AsSlice(), a.Mask.AsSlice()
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
		exprs := []expr.Any{payload(expr.PayloadBaseNetworkHeader, base, uint32(bits/8))}
		cmpData := ip[:bits/8]
		if bits%8 != 0 {
			exprs = []expr.Any{
				payload(expr.PayloadBaseNetworkHeader, base, uint32(len(ip))),
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(ip)), Mask: mask, Xor: make([]byte, len(ip))},
			}
			cmpData = ip
		}
		exprs = append(exprs, cmp(a.Invert, cmpData))
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
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(len(ip)), Mask: mask, Xor: make([]byte, len(ip))},
			cmp(a.Invert, ip))
	}
}
