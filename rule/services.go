package rule

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// iptables resolves port names with the C library, from /etc/services:
// libxt_tcp, libxt_sctp and libxt_multiport with getservbyname(name, P)
// for the rule's protocol P (a number with strtoul base 0, so "010" is
// 8), libxt_udp and libxt_dccp with getaddrinfo(NULL, name, NULL), which
// reads decimal numbers and names of tcp or of udp, tcp first. nftsync
// reads the same file the same way, so that a rule names the port
// iptables would install. The rule keeps the number: iptables-save
// prints numbers.

// servicesPath is the services database; a variable for tests.
var servicesPath = "/etc/services"

var (
	servicesOnce sync.Once
	// servicesByProto maps protocol name, then service name or alias,
	// to the port of its first line, as getservbyname returns it; nil
	// when the file cannot be read.
	servicesByProto map[string]map[string]uint16
)

func loadServices() map[string]map[string]uint16 {
	servicesOnce.Do(func() {
		f, err := os.Open(servicesPath)
		if err != nil {
			return
		}
		defer f.Close()
		servicesByProto = parseServices(bufio.NewScanner(f))
	})
	return servicesByProto
}

// parseServices reads services(5) lines: "name port/proto aliases... #".
func parseServices(sc *bufio.Scanner) map[string]map[string]uint16 {
	out := map[string]map[string]uint16{}
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		num, proto, ok := strings.Cut(f[1], "/")
		port, err := strconv.ParseUint(num, 10, 16)
		if !ok || err != nil {
			continue
		}
		m := out[proto]
		if m == nil {
			m = map[string]uint16{}
			out[proto] = m
		}
		for _, name := range append([]string{f[0]}, f[2:]...) {
			if _, seen := m[name]; !seen {
				m[name] = uint16(port)
			}
		}
	}
	return out
}

// serviceByName is getservbyname(name, proto): case-sensitive. Without a
// readable /etc/services it falls back to nftsync's built-in table of
// common tcp/udp services.
func serviceByName(name, proto string) (uint16, bool) {
	db := loadServices()
	if db == nil {
		if proto != "tcp" && proto != "udp" {
			return 0, false
		}
		n, ok := services[name]
		return n, ok
	}
	n, ok := db[proto][name]
	return n, ok
}

// parseProtoPort is libxtables' xtables_parse_port(v, proto): a number
// up to 65535 as strtoul with base 0 reads it, or a service of proto.
func parseProtoPort(v, proto string) (uint16, error) {
	if n, ok := strtoul(v); ok && n <= 0xffff {
		return uint16(n), nil
	}
	if n, ok := serviceByName(v, proto); ok {
		return n, nil
	}
	return 0, argError(v, "not a port number or known %s service name", proto)
}

// parseAnyPort is libxtables' xtables_getportbyname(v) (getaddrinfo with
// no hints): a decimal number, or a service of tcp, else of udp.
func parseAnyPort(v string) (uint16, error) {
	if n, err := strconv.ParseUint(v, 10, 16); err == nil {
		return uint16(n), nil
	}
	for _, proto := range []string{"tcp", "udp"} {
		if n, ok := serviceByName(v, proto); ok {
			return n, nil
		}
	}
	return 0, argError(v, "not a port number or known service name")
}

// parsePortSpec parses a port or port range of tcp, udp, sctp or dccp as
// their libxt_ module does. proto "tcp" or "sctp" (parse_tcp_ports,
// parse_sctp_ports): P, LO:HI, :HI or LO:, names of proto, and an
// inverted range is refused. proto "" (libxt_udp and libxt_dccp, an
// XTTYPE_PORTRC option): the same forms with getaddrinfo's names, and an
// inverted range is accepted (the kernel's test then never holds).
func parsePortSpec(v, proto string) (PortRange, error) {
	if proto == "" {
		return splitPortRange(v, parseAnyPort, false)
	}
	return splitPortRange(v, func(s string) (uint16, error) { return parseProtoPort(s, proto) }, true)
}

// splitPortRange parses P, LO:HI, :HI or LO: with one parsing each port;
// refuseInverted refuses LO > HI.
func splitPortRange(v string, one func(string) (uint16, error), refuseInverted bool) (PortRange, error) {
	lo, hi, isRange := strings.Cut(v, ":")
	if !isRange {
		p, err := one(v)
		return PortRange{p, p}, err
	}
	r := PortRange{0, 65535}
	var err error
	if lo != "" {
		if r.Lo, err = one(lo); err != nil {
			return r, err
		}
	}
	if hi != "" {
		if r.Hi, err = one(hi); err != nil {
			return r, err
		}
	}
	if refuseInverted && r.Lo > r.Hi {
		return r, argError(v, "port range is inverted (%d > %d)", r.Lo, r.Hi)
	}
	return r, nil
}
