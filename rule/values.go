package rule

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseAddr parses an -s/-d value: an address, optionally with a prefix
// length or a dotted netmask. Host names are refused: resolving them would
// make a rule's meaning depend on DNS at apply time.
func parseAddr(fam Family, v string) (Addr, error) {
	ipStr, maskStr, hasMask := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(ipStr)
	if err != nil {
		return Addr{}, argError(v, "not an IP address (host names are not resolved)")
	}
	// No Unmap: ::ffff:10.0.0.1 is an IPv6 address for ip6tables (and
	// no IPv4 address for iptables).
	if (fam == IPv4) != ip.Is4() {
		return Addr{}, argError(v, "is not an %s address", famWord(fam))
	}
	if ip.Zone() != "" {
		return Addr{}, argError(v, "zoned addresses are not supported")
	}
	bits := ip.BitLen()
	mask := fullMask(bits, bits)
	if hasMask {
		if n, err := strconv.Atoi(maskStr); err == nil && !strings.HasPrefix(maskStr, "+") {
			if n < 0 || n > bits {
				return Addr{}, argError(v, "prefix length must be between 0 and %d", bits)
			}
			mask = fullMask(bits, n)
		} else {
			m, err := netip.ParseAddr(maskStr)
			if err != nil || m.BitLen() != bits {
				return Addr{}, argError(v, "bad netmask %q", maskStr)
			}
			mask = m
		}
	}
	return Addr{Set: true, IP: andAddr(ip, mask), Mask: mask}, nil
}

func famWord(f Family) string {
	if f == IPv6 {
		return "IPv6"
	}
	return "IPv4"
}

// fullMask returns a mask of the given bit length with n leading ones.
func fullMask(bits, n int) netip.Addr {
	b := make([]byte, bits/8)
	for i := range b {
		switch {
		case n >= 8:
			b[i] = 0xff
			n -= 8
		case n > 0:
			b[i] = byte(0xff << (8 - n))
			n = 0
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func andAddr(ip, mask netip.Addr) netip.Addr {
	a, m := ip.AsSlice(), mask.AsSlice()
	for i := range a {
		a[i] &= m[i]
	}
	r, _ := netip.AddrFromSlice(a)
	return r
}

// prefixLen reports the prefix length of a mask, if it is a prefix.
func prefixLen(mask netip.Addr) (int, bool) {
	n, ended := 0, false
	for _, b := range mask.AsSlice() {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) != 0 {
				if ended {
					return 0, false
				}
				n++
			} else {
				ended = true
			}
		}
	}
	return n, true
}

// checkIface validates an interface name as iptables does: at most 15
// bytes, no slash or whitespace.
func checkIface(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty interface name")
	case len(name) > 15:
		return fmt.Errorf("interface name longer than 15 characters")
	case strings.ContainsAny(name, "/ \t\n\"'"):
		return fmt.Errorf("interface name contains a forbidden character")
	}
	return nil
}

// protocols maps protocol numbers to the names iptables-save and nft print
// (Debian netbase's /etc/protocols). It is embedded so that a rule means the
// same on every host.
var protocols = map[uint8]string{
	1: "icmp", 2: "igmp", 4: "ipencap", 6: "tcp", 8: "egp", 12: "pup",
	17: "udp", 22: "idp", 29: "iso-tp4", 33: "dccp", 36: "xtp", 37: "ddp",
	38: "idpr-cmtp", 41: "ipv6", 43: "ipv6-route", 44: "ipv6-frag", 45: "idrp",
	46: "rsvp", 47: "gre", 50: "esp", 51: "ah", 57: "skip", 58: "ipv6-icmp",
	59: "ipv6-nonxt", 60: "ipv6-opts", 73: "rspf", 81: "vmtp", 88: "eigrp",
	89: "ospf", 93: "ax.25", 94: "ipip", 97: "etherip", 98: "encap", 103: "pim",
	108: "ipcomp", 112: "vrrp", 115: "l2tp", 124: "isis", 132: "sctp", 133: "fc",
	135: "mobility-header", 136: "udplite", 137: "mpls-in-ip", 138: "manet",
	139: "hip", 140: "shim6", 141: "wesp", 142: "rohc", 143: "ethernet",
}

// protoAliases are other names iptables accepts for a protocol.
var protoAliases = map[string]uint8{
	"all": 0, "ipv4": 4, "ip-encap": 4, "icmpv6": 58, "icmp6": 58, "mh": 135,
	"ipv6-mh": 135, "ospfigp": 89,
}

func parseProto(v string) (uint8, error) {
	lv := strings.ToLower(v)
	if isDigits(lv) {
		// (Only then: ParseUint's error for a name costs an allocation.)
		if n, err := strconv.ParseUint(lv, 10, 8); err == nil {
			return uint8(n), nil
		}
	}
	if n, ok := protoAliases[lv]; ok {
		return n, nil
	}
	if n, ok := protoNums[lv]; ok {
		return n, nil
	}
	return 0, argError(v, "unknown protocol")
}

// protoNums maps the names of protocols back to their numbers.
var protoNums = func() map[string]uint8 {
	m := make(map[string]uint8, len(protocols))
	for n, name := range protocols {
		m[name] = n
	}
	return m
}()

// isDigits reports whether s is a non-empty run of decimal digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// protoName is the name iptables-save prints for a protocol number.
func protoName(n uint8) string {
	if s, ok := knownProtoName(n); ok {
		return s
	}
	return strconv.Itoa(int(n))
}

// knownProtoName is protoName of a protocol that has a name.
func knownProtoName(n uint8) (string, bool) {
	if n == 0 {
		return "all", true
	}
	s, ok := protocols[n]
	return s, ok
}

// services are the port names accepted for --dport/--sport and friends
// (Debian netbase's /etc/services, the common part).
var services = map[string]uint16{
	"tcpmux": 1, "echo": 7, "discard": 9, "daytime": 13, "ftp-data": 20,
	"ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "time": 37, "whois": 43,
	"tacacs": 49, "domain": 53, "gopher": 70, "finger": 79, "http": 80,
	"www": 80, "kerberos": 88, "pop3": 110, "sunrpc": 111, "auth": 113,
	"nntp": 119, "ntp": 123, "epmap": 135, "netbios-ns": 137,
	"netbios-dgm": 138, "netbios-ssn": 139, "imap2": 143, "imap": 143,
	"snmp": 161, "snmp-trap": 162, "bgp": 179, "irc": 194, "ldap": 389,
	"https": 443, "microsoft-ds": 445, "kpasswd": 464, "submissions": 465,
	"syslog": 514, "printer": 515, "submission": 587, "ldaps": 636,
	"rsync": 873, "ftps-data": 989, "ftps": 990, "imaps": 993, "pop3s": 995,
	"socks": 1080, "openvpn": 1194, "ms-sql-s": 1433, "l2f": 1701,
	"radius": 1812, "radius-acct": 1813, "nfs": 2049, "mysql": 3306,
	"ms-wbt-server": 3389, "svn": 3690, "sip": 5060, "sip-tls": 5061,
	"xmpp-client": 5222, "xmpp-server": 5269, "postgresql": 5432,
	"x11": 6000, "http-alt": 8080, "webcache": 8080, "bootps": 67,
	"bootpc": 68, "tftp": 69, "isakmp": 500, "ipsec-nat-t": 4500,
	"domain-s": 853, "kerberos-adm": 749, "wireguard": 51820,
}

// parsePort parses a port number or service name.
func parsePort(v string) (uint16, error) {
	if n, err := strconv.ParseUint(v, 10, 16); err == nil {
		return uint16(n), nil
	}
	if n, ok := services[strings.ToLower(v)]; ok {
		return n, nil
	}
	return 0, argError(v, "not a port number or known service name")
}

// PortRange is an inclusive port range; a single port has Lo == Hi.
type PortRange struct{ Lo, Hi uint16 }

// parsePortRange parses "P", "LO:HI", ":HI" or "LO:" as iptables does.
func parsePortRange(v string) (PortRange, error) {
	return splitPortRange(v, parsePort, true)
}

// String prints the range in iptables-save form.
func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return fmt.Sprintf("%d:%d", r.Lo, r.Hi)
}

// nft prints the range in nft form.
func (r PortRange) nft() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// strtoul parses an unsigned number like C's strtoul with base 0, which is
// what iptables uses for marks, masks and most numbers: "0x" introduces
// hex, a leading "0" octal, anything else is decimal. Go's own base-0
// extras (0b, 0o, underscores) and signs are refused.
func strtoul(v string) (uint64, bool) {
	s, base := v, 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	// ParseUint with an explicit base refuses prefixes and underscores.
	if s == "" || strings.ContainsAny(s, "+-_ ") {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}
