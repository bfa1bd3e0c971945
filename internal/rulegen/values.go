package rulegen

import (
	"strconv"
	"strings"
)

// Value pools. Each mixes ordinary values with edges: 0, the type's
// maximum, full and empty ranges, masks, names next to numbers. Some
// addresses are those of netnstest's topology, so that packet tests can
// match real traffic.

// protoPool is the -p values of the family.
func (g *Gen) protoPool() []string {
	if g.v6 {
		return []string{"tcp", "tcp", "udp", "udp", "ipv6-icmp", "sctp", "dccp", "udplite", "esp", "gre", "all", "47", "0"}
	}
	return []string{"tcp", "tcp", "udp", "udp", "icmp", "sctp", "dccp", "udplite", "esp", "ah", "gre", "all", "47", "0"}
}

// protoNumbers spell a protocol by number.
var protoNumbers = map[string]string{
	"tcp": "6", "udp": "17", "icmp": "1", "ipv6-icmp": "58", "sctp": "132", "dccp": "33", "udplite": "136",
	"esp": "50", "ah": "51", "ipcomp": "108", "gre": "47", "mh": "135", "ipv6-mh": "135",
}

func (g *Gen) addr() string {
	if g.counting && g.chance(0.7) {
		// netnstest's topology: client, server and extra networks
		if g.v6 {
			return g.pick("fd00:200:1::/64", "fd00:200:1::2", "fd00:200:2::2", "fd00:200:3::/64", "fd00:200:2::/64", "fd00:200::/32")
		}
		return g.pick("10.200.1.0/24", "10.200.1.2", "10.200.2.2", "10.200.3.0/24", "10.200.2.0/24", "10.200.0.0/16")
	}
	if g.v6 {
		return g.pick(
			"fd00:200:1::/64", "fd00:200:2::2", "fd00:200:3::/64", "fd00:200:1::2/128",
			"::/0", "::", "::1", "2001:db8::1/64", "fe80::/10", "ff02::1",
			"2001:db8::/ffff:ffff::", "::ffff:10.0.0.1", "2001:db8:0:0:0:0:0:1", "fd00::/7", "::/1",
		)
	}
	return g.pick(
		"10.200.1.0/24", "10.200.2.2", "10.200.3.0/24", "10.200.1.2/32",
		"0.0.0.0/0", "0.0.0.0", "255.255.255.255", "10.0.0.0/8", "192.168.1.1/16",
		"10.11.12.13/255.0.255.0", "172.16.0.0/255.240.0.0", "127.0.0.1", "224.0.0.0/4", "1.2.3.4/31", "8.8.8.8/1",
	)
}

// addrMask is an address with a prefix length or mask, for options that
// take address[/mask].
func (g *Gen) addrMask() string { return g.addr() }

func (g *Gen) iface() string {
	if g.counting && g.chance(0.7) {
		return g.pick("r0", "r1", "r+")
	}
	return g.pick("eth0", "lo", "r0", "r1", "c0", "veth+", "eth+", "+", "wg0", "a-very-long-if", "br0", "eth0.100")
}

func (g *Gen) port() string {
	if g.counting && g.chance(0.5) {
		return "8080" // the topology server's port
	}
	return g.pick("0", "1", "22", "53", "80", "8080", "65535", "ssh", "http", "domain")
}

// portRange is a port or a range, with open ends, or a spelling whose
// reading differs by extension (base-0 numbers for tcp and sctp, names of
// one protocol only).
func (g *Gen) portRange() string {
	switch g.intn(6) {
	case 0:
		return g.port() + ":" + g.pick("1024", "65535", "8080")
	case 1:
		return g.pick(":1023", "1024:", "0:65535", "8080:8080", "1:1")
	case 2:
		return g.pick("010", "0x50", "bootps", "www", "http-alt:")
	}
	return g.port()
}

// portList is a multiport list (up to 15 ports, ranges count double).
func (g *Gen) portList() string {
	n := 1 + g.intn(5)
	if g.chance(0.05) {
		n = 15
	}
	ps := make([]string, n)
	for i := range ps {
		ps[i] = g.pick("22", "80", "443", "0", "65535", "53", "8080")
	}
	if n < 7 && g.chance(0.3) {
		ps = append(ps, g.pick("1000:2000", "0:65535", "8000:8080"))
	}
	return strings.Join(ps, ",")
}

// u32 draws a 32-bit value with edges.
func (g *Gen) u32() string {
	return g.pick("0", "1", "7", "255", "0x10", "65535", "0xffff", "2147483648", "4294967295", "0xffffffff", "0x7fffffff")
}

// mark draws value[/mask].
func (g *Gen) mark() string {
	v := g.u32()
	if g.chance(0.4) {
		v += "/" + g.pick("0xff", "0xffffffff", "0x0", "0xff00", "1", "0x80000000")
	}
	return v
}

// num draws an integer in [lo, hi], edges likely.
func (g *Gen) num(lo, hi int) string {
	switch g.intn(4) {
	case 0:
		return strconv.Itoa(lo)
	case 1:
		return strconv.Itoa(hi)
	}
	return strconv.Itoa(lo + g.intn(hi-lo+1))
}

// numRange draws lo..hi as "a" or "a:b".
func (g *Gen) numRange(lo, hi int) string {
	a := g.num(lo, hi)
	if g.chance(0.5) {
		return a
	}
	b := g.num(lo, hi)
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	if x > y {
		a, b = b, a
	}
	return a + ":" + b
}

// rate draws a limit rate.
func (g *Gen) rate() string {
	return g.pick("1/s", "3/min", "10/second", "100/hour", "5/day", "1/minute", "10000/s", "1/day", "7")
}

func (g *Gen) comment() string {
	switch g.intn(10) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("x", 255)
	case 2:
		return strings.Repeat("c", 128+g.intn(20))
	case 3:
		return `say "hi" \ back`
	}
	return g.pick("Kilo: jump", "allow ssh", "x", "a-b_c.d", "nftsync test rule", "ümlaut", "with  two spaces")
}

func (g *Gen) logPrefix() string {
	return g.pick("IN: ", "x", "dropped ", strings.Repeat("p", 29), `q"uote`)
}

// ctStates is a comma list of conntrack states.
func (g *Gen) list(n int, xs ...string) string {
	k := 1 + g.intn(n)
	seen := map[string]bool{}
	var out []string
	for i := 0; i < k; i++ {
		x := g.pick(xs...)
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return strings.Join(out, ",")
}
