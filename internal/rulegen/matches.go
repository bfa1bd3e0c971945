package rulegen

import "strings"

// Hook sets the kernel allows extensions in.
var (
	hooksLocal   = []string{"OUTPUT", "POSTROUTING"}                     // a local socket may exist
	hooksCgroup  = []string{"INPUT", "OUTPUT", "POSTROUTING"}            // xt_cgroup
	hooksSocket  = []string{"PREROUTING", "INPUT"}                       // xt_socket
	hooksRealm   = []string{"INPUT", "FORWARD", "OUTPUT", "POSTROUTING"} // xt_realm: after routing
	hooksRPF     = []string{"PREROUTING"}                                // xt_rpfilter
	tcpUDP       = []string{"tcp", "udp"}
	tcpUDPSCTP   = []string{"tcp", "udp", "sctp", "dccp"}
	tablesMangle = []string{"mangle"}
)

// matches is the match grammar: every match extension of iptables 1.8.9,
// including those this kernel lacks (they never survive the iptables
// filter, which the test reports).
var matches = []ext{
	{name: "tcp", weight: 30, protos: []string{"tcp"}, args: func(g *Gen) []string {
		return g.some(0.4,
			func() []string { return g.opt(0.2, "--sport", g.portRange()) },
			func() []string { return g.opt(0.2, "--dport", g.portRange()) },
			func() []string {
				if g.chance(0.5) {
					return append(g.not(0.2), "--syn")
				}
				return append(g.not(0.2), "--tcp-flags", g.pick("SYN,RST,ACK,FIN", "ALL", "NONE", "SYN,ACK", "FIN,URG,PSH"), g.pick("SYN", "NONE", "ALL", "ACK", "SYN,ACK"))
			},
			func() []string { return g.opt(0.3, "--tcp-option", g.num(1, 255)) },
		)
	}},
	{name: "udp", weight: 20, protos: []string{"udp"}, args: func(g *Gen) []string {
		return g.some(0.5,
			func() []string { return g.opt(0.2, "--sport", g.portRange()) },
			func() []string { return g.opt(0.2, "--dport", g.portRange()) },
		)
	}},
	{name: "sctp", weight: 5, protos: []string{"sctp"}, args: func(g *Gen) []string {
		return g.some(0.4,
			func() []string { return g.opt(0.2, "--sport", g.portRange()) },
			func() []string { return g.opt(0.2, "--dport", g.portRange()) },
			func() []string {
				chunks := g.list(3, "DATA", "INIT", "INIT_ACK", "SACK", "SHUTDOWN", "COOKIE_ECHO", "DATA:Be", "ABORT:T", "HEARTBEAT", "ASCONF", "FORWARD_TSN",
					"I_DATA", "ASCONF_ACK", "DATA:e", "SHUTDOWN_COMPLETE:t")
				if g.chance(0.1) {
					chunks = g.pick("ALL", "NONE")
				}
				return append(g.not(0.2), "--chunk-types", g.pick("all", "any", "only"), chunks)
			},
		)
	}},
	{name: "dccp", weight: 3, protos: []string{"dccp"}, args: func(g *Gen) []string {
		return g.some(0.4,
			func() []string { return g.opt(0.2, "--sport", g.portRange()) },
			func() []string { return g.opt(0.2, "--dport", g.portRange()) },
			func() []string {
				return g.opt(0.2, "--dccp-types", g.list(3, "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"))
			},
			func() []string { return g.opt(0.2, "--dccp-option", g.num(0, 255)) },
		)
	}},
	{name: "multiport", weight: 12, protos: tcpUDPSCTP, args: func(g *Gen) []string {
		return g.opt(0.2, g.pick("--dports", "--sports", "--ports", "--destination-ports", "--source-ports"), g.portList())
	}},
	{name: "icmp", weight: 6, fam: v4, protos: []string{"icmp"}, args: func(g *Gen) []string {
		return g.opt(0.2, "--icmp-type", g.pick("any", "echo-request", "echo-reply", "8", "0", "255", "255/3", "3/4", "3/255", "fragmentation-needed",
			"destination-unreachable", "time-exceeded", "ttl-zero-during-reassembly", "redirect", "host-redirect", "parameter-problem", "13", "11/1", "pong"))
	}},
	{name: "icmp6", weight: 6, fam: v6, protos: []string{"ipv6-icmp"}, args: func(g *Gen) []string {
		return g.opt(0.2, "--icmpv6-type", g.pick("echo-request", "echo-reply", "128", "1/3", "1/0", "255", "0", "packet-too-big",
			"router-advertisement", "neighbour-solicitation", "neighbor-advertisement", "ttl-zero-during-transit", "parameter-problem", "redirect", "2/0"))
	}},
	{name: "comment", weight: 15, args: func(g *Gen) []string { return []string{"--comment", g.comment()} }},
	{name: "conntrack", weight: 14, args: func(g *Gen) []string {
		return g.some(0.25,
			func() []string {
				return g.opt(0.2, "--ctstate", g.list(3, "NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"))
			},
			func() []string { return g.opt(0.2, "--ctproto", g.pick("tcp", "udp", "6", "icmp", "0", "sctp")) },
			func() []string {
				return g.opt(0.2, g.pick("--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst"), g.addrMask())
			},
			func() []string {
				v := g.port()
				if g.chance(0.3) {
					v = g.pick("1000:2000", "0:65535", "80:80")
				}
				return g.opt(0.2, g.pick("--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport"), v)
			},
			func() []string {
				return g.opt(0.2, "--ctstatus", g.list(2, "NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"))
			},
			func() []string { return g.opt(0.2, "--ctexpire", g.numRange(0, 4294967295)) },
			func() []string { return []string{"--ctdir", g.pick("ORIGINAL", "REPLY")} },
		)
	}},
	{name: "state", weight: 6, args: func(g *Gen) []string {
		return g.opt(0.2, "--state", g.list(3, "NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"))
	}},
	{name: "mark", weight: 8, args: func(g *Gen) []string { return g.opt(0.2, "--mark", g.mark()) }},
	{name: "connmark", weight: 5, args: func(g *Gen) []string { return g.opt(0.2, "--mark", g.mark()) }},
	{name: "limit", weight: 6, args: func(g *Gen) []string {
		out := []string{"--limit", g.rate()}
		if g.chance(0.5) {
			out = append(out, "--limit-burst", g.pick("1", "5", "10000"))
		}
		return out
	}},
	{name: "addrtype", weight: 5, args: func(g *Gen) []string {
		types := []string{"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"}
		if g.v6 {
			types = []string{"UNSPEC", "UNICAST", "LOCAL", "ANYCAST", "MULTICAST", "UNREACHABLE", "THROW", "NAT", "XRESOLVE"}
		}
		out := g.some(0.5,
			func() []string { return g.opt(0.2, "--src-type", g.list(2, types...)) },
			func() []string { return g.opt(0.2, "--dst-type", g.list(2, types...)) },
		)
		switch {
		case g.chance(0.15) && (g.chain == "PREROUTING" || g.chain == "INPUT" || g.chain == "FORWARD"):
			out = append(out, "--limit-iface-in")
		case g.chance(0.15) && (g.chain == "OUTPUT" || g.chain == "POSTROUTING" || g.chain == "FORWARD"):
			out = append(out, "--limit-iface-out")
		}
		return out
	}},
	{name: "iprange", weight: 5, args: func(g *Gen) []string {
		r := func() string {
			if g.v6 {
				return g.pick("fd00::1-fd00::9", "fd00:200:1::-fd00:200:1::ffff", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1", "fd00::9-fd00::1")
			}
			return g.pick("10.0.0.1-10.0.0.9", "10.200.1.0-10.200.1.255", "0.0.0.0-255.255.255.255", "10.0.0.5", "10.0.0.5-10.0.0.5", "10.0.0.9-10.0.0.1")
		}
		return g.some(0.6,
			func() []string { return g.opt(0.2, "--src-range", r()) },
			func() []string { return g.opt(0.2, "--dst-range", r()) },
		)
	}},
	{name: "pkttype", weight: 4, args: func(g *Gen) []string {
		return g.opt(0.2, "--pkt-type", g.pick("unicast", "broadcast", "multicast", "otherhost", "host", "BCAST", "mcast"))
	}},
	{name: "length", weight: 4, args: func(g *Gen) []string { return g.opt(0.2, "--length", g.anyRange(0, 65535)) }},
	{name: "ttl", weight: 3, fam: v4, args: func(g *Gen) []string {
		switch g.intn(3) {
		case 0:
			return g.opt(0.3, "--ttl-eq", g.pick(g.num(0, 255), "010", "0x40"))
		case 1:
			return []string{"--ttl-lt", g.num(0, 255)}
		}
		return []string{"--ttl-gt", g.num(0, 255)}
	}},
	{name: "hl", weight: 3, fam: v6, args: func(g *Gen) []string {
		switch g.intn(3) {
		case 0:
			return g.opt(0.3, "--hl-eq", g.num(0, 255))
		case 1:
			return []string{"--hl-lt", g.num(0, 255)}
		}
		return []string{"--hl-gt", g.num(0, 255)}
	}},
	{name: "tos", weight: 3, args: func(g *Gen) []string {
		v := g.pick("0x10", "0", "0xff", "0x08/0x0f", "16/0xff", "0x00/0x00")
		if !g.v6 && g.chance(0.3) {
			v = g.pick("Minimize-Delay", "Maximize-Throughput", "Maximize-Reliability", "Minimize-Cost", "Normal-Service")
		}
		return g.opt(0.2, "--tos", v)
	}},
	{name: "dscp", weight: 3, args: func(g *Gen) []string {
		if g.chance(0.5) {
			return g.opt(0.2, "--dscp", g.pick("0", "63", "0x20", "46", "0x3f"))
		}
		return g.opt(0.2, "--dscp-class", g.pick("BE", "EF", "AF11", "AF43", "CS0", "CS7"))
	}},
	{name: "ecn", weight: 2, args: func(g *Gen) []string {
		if g.proto == "tcp" {
			return g.some(0.4,
				func() []string { return append(g.not(0.2), "--ecn-tcp-cwr") },
				func() []string { return append(g.not(0.2), "--ecn-tcp-ece") },
				func() []string { return g.opt(0.2, "--ecn-ip-ect", g.num(0, 3)) },
			)
		}
		return g.opt(0.2, "--ecn-ip-ect", g.num(0, 3))
	}},
	{name: "mac", weight: 3, hooks: []string{"PREROUTING", "INPUT", "FORWARD"}, args: func(g *Gen) []string {
		return g.opt(0.2, "--mac-source", g.pick("00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "AA:bb:CC:dd:EE:ff", "0:1:2:3:4:5"))
	}},
	{name: "owner", weight: 5, hooks: hooksLocal, args: func(g *Gen) []string {
		return g.some(0.3,
			func() []string {
				return g.opt(0.3, "--uid-owner", g.pick("0", "1000", "0-999", "4294967294", "root", "1-1"))
			},
			func() []string { return g.opt(0.3, "--gid-owner", g.pick("0", "100", "0-65535", "root")) },
			func() []string { return append(g.not(0.3), "--socket-exists") },
		)
	}},
	{name: "helper", weight: 2, args: func(g *Gen) []string {
		return g.opt(0.2, "--helper", g.pick("ftp", "sip", "", "tftp", "irc-6667"))
	}},
	{name: "quota", weight: 2, args: func(g *Gen) []string {
		return g.opt(0.2, "--quota", g.pick("0", "1", "1000000", "18446744073709551615"))
	}},
	{name: "statistic", weight: 3, args: func(g *Gen) []string {
		if g.chance(0.5) {
			return append([]string{"--mode", "random"}, g.opt(0.2, "--probability", g.pick("0", "0.5", "1", "0.00001", "0.99"))...)
		}
		return append([]string{"--mode", "nth"}, g.nth()...)
	}},
	{name: "connbytes", weight: 2, args: func(g *Gen) []string {
		return append(g.opt(0.2, "--connbytes", g.pick("0", "10:", "0:100", "1000:2000", "18446744073709551615")),
			"--connbytes-dir", g.pick("original", "reply", "both"), "--connbytes-mode", g.pick("packets", "bytes", "avgpkt"))
	}},
	{name: "connlabel", weight: 2, args: func(g *Gen) []string {
		out := g.opt(0.2, "--label", g.pick("0", "1", "127"))
		if g.chance(0.3) {
			out = append(out, "--set")
		}
		return out
	}},
	{name: "connlimit", weight: 3, args: func(g *Gen) []string {
		out := []string{g.pick("--connlimit-upto", "--connlimit-above"), g.pick("0", "1", "16", "4294967295")}
		if g.chance(0.4) {
			mask := g.num(0, 32)
			if g.v6 {
				mask = g.num(0, 128)
			}
			out = append(out, "--connlimit-mask", mask)
		}
		if g.chance(0.3) {
			out = append(out, g.pick("--connlimit-saddr", "--connlimit-daddr"))
		}
		return out
	}},
	{name: "hashlimit", weight: 3, args: func(g *Gen) []string {
		out := []string{g.pick("--hashlimit-upto", "--hashlimit-above"), g.pick("1/s", "100/min", "5/hour", "10/day", "1000"), "--hashlimit-name", g.pick("h1", "ssh", "x-y_z")}
		if g.chance(0.5) {
			out = append(out, "--hashlimit-mode", g.list(3, "srcip", "dstip", "srcport", "dstport"))
		}
		if g.chance(0.3) {
			out = append(out, "--hashlimit-burst", g.pick("1", "5", "100"))
		}
		if g.chance(0.2) {
			out = append(out, "--hashlimit-htable-expire", g.pick("1000", "60000"))
		}
		if g.chance(0.2) {
			out = append(out, "--hashlimit-srcmask", g.pick("0", "24", "32"))
		}
		return out
	}},
	{name: "recent", weight: 3, args: func(g *Gen) []string {
		cmd := g.pick("--set", "--rcheck", "--update", "--remove")
		out := append(g.not(0.2), cmd)
		if g.chance(0.5) {
			out = append(out, "--name", g.pick("DEFAULT", "ssh", "r1"))
		}
		if cmd == "--rcheck" || cmd == "--update" {
			if g.chance(0.5) {
				out = append(out, "--seconds", g.pick("1", "60", "3600"))
				if g.chance(0.3) {
					out = append(out, "--reap")
				}
			}
			if g.chance(0.3) {
				out = append(out, "--hitcount", g.pick("1", "20"))
			}
			if g.chance(0.2) {
				out = append(out, "--rttl")
			}
		}
		if g.chance(0.3) {
			out = append(out, g.pick("--rsource", "--rdest"))
		}
		return out
	}},
	{name: "string", weight: 3, args: func(g *Gen) []string {
		out := []string{"--algo", g.pick("bm", "kmp")}
		if g.chance(0.5) {
			out = append(out, g.opt(0.2, "--string", g.pick("GET /", "x", "hello world", strings.Repeat("s", 128)))...)
		} else {
			out = append(out, g.opt(0.2, "--hex-string", g.pick("|00|", "|de ad be ef|", "a|0d0a|b"))...)
		}
		if g.chance(0.3) {
			out = append(out, "--from", g.pick("0", "20", "65535"))
		}
		if g.chance(0.3) {
			out = append(out, "--to", g.pick("100", "65535"))
		}
		if g.chance(0.2) {
			out = append(out, "--icase")
		}
		return out
	}},
	{name: "u32", weight: 3, args: func(g *Gen) []string {
		return g.opt(0.2, "--u32", g.pick("0>>22&0x3C@0>>16=0x0:0xFFFF", "6&0xFF=6", "0&0xFFFF=0x100:0xFFFF", "0>>22&0x3C@12>>26&0x3C@0=0x50", "12=0x0a000001&&16=0x0a000002", "0=0,1,2:3"))
	}},
	{name: "time", weight: 3, args: func(g *Gen) []string {
		return g.some(0.35,
			func() []string { return []string{"--timestart", g.pick("00:00", "08:00:00", "23:59:59")} },
			func() []string { return []string{"--timestop", g.pick("00:00:01", "17:30", "23:59")} },
			func() []string {
				return g.opt(0.2, "--weekdays", g.list(3, "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "1", "7"))
			},
			func() []string { return g.opt(0.2, "--monthdays", g.list(3, "1", "15", "28", "31")) },
			func() []string {
				return []string{"--datestart", g.pick("1970-01-01", "2024-02-29T12:00:00", "2038-01-19")}
			},
			func() []string { return []string{"--datestop", g.pick("2038-01-19T03:14:07", "2030-12-31")} },
			func() []string { return []string{"--kerneltz"} },
		)
	}},
	{name: "tcpmss", weight: 2, protos: []string{"tcp"}, args: func(g *Gen) []string {
		return g.opt(0.2, "--mss", g.numRange(0, 65535))
	}},
	{name: "cpu", weight: 2, args: func(g *Gen) []string { return g.opt(0.2, "--cpu", g.pick("0", "1", "63", "4294967295")) }},
	{name: "devgroup", weight: 2, args: func(g *Gen) []string {
		var fns []func() []string
		if g.chain != "OUTPUT" && g.chain != "POSTROUTING" && g.chain != UserChain {
			fns = append(fns, func() []string { return g.opt(0.2, "--src-group", g.mark()) })
		}
		if g.chain != "PREROUTING" && g.chain != "INPUT" && g.chain != UserChain {
			fns = append(fns, func() []string { return g.opt(0.2, "--dst-group", g.mark()) })
		}
		if fns == nil {
			return g.opt(0.2, "--src-group", "1") // valid unless a chain without an input device jumps here
		}
		return g.some(0.5, fns...)
	}},
	{name: "cgroup", weight: 2, hooks: hooksCgroup, args: func(g *Gen) []string {
		if g.chance(0.5) {
			return g.opt(0.2, "--cgroup", g.pick("0", "1", "0x100001", "4294967295"))
		}
		return g.opt(0.2, "--path", g.pick("/", "user.slice", "system.slice/nonexistent"))
	}},
	{name: "realm", weight: 2, fam: v4, hooks: hooksRealm, args: func(g *Gen) []string {
		return g.opt(0.2, "--realm", g.pick("0", "1", "0xff/0xff", "4294967295", "0x10/0xf0"))
	}},
	{name: "policy", weight: 3, args: func(g *Gen) []string {
		dir := "in"
		switch g.chain {
		case "OUTPUT", "POSTROUTING":
			dir = "out"
		case "FORWARD":
			dir = g.pick("in", "out")
		}
		out := []string{"--dir", dir, "--pol", g.pick("none", "ipsec", "ipsec")}
		if out[3] == "ipsec" {
			elems := 1 + g.intn(2)
			if elems > 1 || g.chance(0.3) {
				out = append(out, "--strict") // --next needs it
			}
			for e := 0; e < elems; e++ {
				if e > 0 {
					out = append(out, "--next")
				}
				out = append(out, g.some(0.4,
					func() []string { return g.opt(0.2, "--reqid", g.pick("0", "1", "4294967295")) },
					func() []string { return g.opt(0.2, "--spi", g.pick("0", "0x100", "4294967295")) },
					func() []string { return g.opt(0.2, "--proto", g.pick("esp", "ah", "ipcomp")) },
					func() []string {
						if g.chance(0.5) {
							return g.opt(0.2, "--mode", g.pick("tunnel", "transport"))
						}
						// tunnel addresses need --mode tunnel
						return append([]string{"--mode", "tunnel"}, g.opt(0.2, g.pick("--tunnel-src", "--tunnel-dst"), g.addr())...)
					},
				)...)
			}
		}
		return out
	}},
	{name: "esp", weight: 2, protos: []string{"esp"}, args: func(g *Gen) []string { return g.opt(0.2, "--espspi", g.numRange(0, 4294967295)) }},
	{name: "ah", weight: 2, fam: v4, protos: []string{"ah"}, args: func(g *Gen) []string { return g.opt(0.2, "--ahspi", g.numRange(0, 4294967295)) }},
	// ip6tables has no -p ah (an extension header): the match finds it
	{name: "ah", weight: 2, fam: v6, args: func(g *Gen) []string {
		out := g.opt(0.2, "--ahspi", g.numRange(0, 4294967295))
		if g.v6 && g.chance(0.3) {
			out = append(out, g.opt(0.2, "--ahlen", g.num(0, 255))...)
		}
		if g.v6 && g.chance(0.2) {
			out = append(out, "--ahres")
		}
		return out
	}},
	{name: "ipcomp", weight: 1, protos: []string{"ipcomp", "108"}, args: func(g *Gen) []string {
		out := g.opt(0.2, "--ipcompspi", g.numRange(0, 65535))
		if g.chance(0.2) {
			out = append(out, "--compres")
		}
		return out
	}},
	{name: "physdev", weight: 3, args: func(g *Gen) []string {
		var fns []func() []string
		if g.chain != "OUTPUT" && g.chain != "POSTROUTING" {
			fns = append(fns, func() []string { return g.opt(0.2, "--physdev-in", g.iface()) },
				func() []string { return append(g.not(0.2), "--physdev-is-in") })
		}
		if g.chain == "FORWARD" || g.chain == "POSTROUTING" {
			// --physdev-out is only valid for bridged traffic there
			fns = append(fns, func() []string { return append(g.opt(0.2, "--physdev-out", g.iface()), "--physdev-is-bridged") })
		}
		fns = append(fns, func() []string { return append(g.not(0.2), "--physdev-is-bridged") })
		if g.chain == "FORWARD" || g.chain == "POSTROUTING" {
			fns = append(fns, func() []string { return append(g.not(0.2), "--physdev-is-out", "--physdev-is-bridged") })
		}
		return g.some(0.3, fns...)
	}},
	{name: "socket", weight: 2, hooks: hooksSocket, tables: tablesMangle, args: func(g *Gen) []string {
		var out []string
		if g.chance(0.4) {
			out = append(out, "--transparent")
		}
		if g.chance(0.3) {
			out = append(out, "--nowildcard")
		}
		if g.chance(0.2) {
			out = append(out, "--restore-skmark")
		}
		return out
	}},
	{name: "rpfilter", weight: 3, hooks: hooksRPF, tables: []string{"raw", "mangle"}, args: func(g *Gen) []string {
		var out []string
		for _, o := range []string{"--loose", "--validmark", "--accept-local", "--invert"} {
			if g.chance(0.3) {
				out = append(out, o)
			}
		}
		return out
	}},
	{name: "cluster", weight: 1, args: func(g *Gen) []string {
		return append([]string{"--cluster-total-nodes", "2"}, append(g.opt(0.2, "--cluster-local-node", g.pick("1", "2")), "--cluster-hash-seed", g.pick("0", "0xdeadbeef"))...)
	}},
	{name: "bpf", weight: 1, args: func(g *Gen) []string {
		// "ret #65535" and "ret #0": match everything / nothing
		return []string{"--bytecode", g.pick("1,6 0 0 65535", "1,6 0 0 0")}
	}},
	{name: "osf", weight: 1, hooks: []string{"PREROUTING", "INPUT", "FORWARD"}, protos: []string{"tcp"}, args: func(g *Gen) []string {
		out := g.opt(0.2, "--genre", g.pick("Linux", "Windows"))
		if g.chance(0.3) {
			out = append(out, "--ttl", g.pick("0", "1", "2"))
		}
		return out
	}},
	{name: "ipvs", weight: 1, args: func(g *Gen) []string { return append(g.not(0.3), "--ipvs") }},
	{name: "nfacct", weight: 1, args: func(g *Gen) []string { return []string{"--nfacct-name", "acct1"} }},
	{name: "set", weight: 1, args: func(g *Gen) []string { return append(g.not(0.2), "--match-set", "s1", g.pick("src", "dst,src")) }},
	{name: "rateest", weight: 1, args: func(g *Gen) []string {
		return []string{"--rateest", "r1", "--rateest-bps", "1000", "--rateest-lt"}
	}},
	// IPv6 extension headers
	{name: "frag", weight: 2, fam: v6, args: func(g *Gen) []string {
		return g.some(0.3,
			func() []string { return g.opt(0.2, "--fragid", g.numRange(0, 4294967295)) },
			func() []string { return []string{"--fraglen", g.num(0, 4294967295)} },
			func() []string { return []string{"--fragres"} },
			func() []string { return []string{g.pick("--fragfirst", "--fragmore", "--fraglast")} },
		)
	}},
	{name: "hbh", weight: 2, fam: v6, args: func(g *Gen) []string { return g.optsHeader("--hbh") }},
	{name: "dst", weight: 2, fam: v6, args: func(g *Gen) []string { return g.optsHeader("--dst") }},
	{name: "rt", weight: 2, fam: v6, args: func(g *Gen) []string {
		return g.some(0.3,
			func() []string { return g.opt(0.2, "--rt-type", g.pick("0", "2", "4", "255")) },
			func() []string { return g.opt(0.2, "--rt-segsleft", g.numRange(0, 4294967295)) },
			func() []string { return g.opt(0.2, "--rt-len", g.num(0, 4294967295)) },
		)
	}},
	{name: "mh", weight: 2, fam: v6, protos: []string{"ipv6-mh", "mh", "135"}, args: func(g *Gen) []string {
		return g.opt(0.2, "--mh-type", g.pick("binding-refresh-request", "0", "255", "1:5", "home-test"))
	}},
	{name: "ipv6header", weight: 2, fam: v6, args: func(g *Gen) []string {
		out := g.opt(0.2, "--header", g.list(3, "hop", "dst", "route", "frag", "auth", "esp", "none", "prot", "hop-by-hop", "ipv6-frag", "protocol", "0"))
		if g.chance(0.4) {
			out = append(out, "--soft")
		}
		return out
	}},
	{name: "eui64", weight: 1, fam: v6, hooks: []string{"PREROUTING", "INPUT", "FORWARD"}, args: func(*Gen) []string { return []string{} }},
	{name: "srh", weight: 1, fam: v6, args: func(g *Gen) []string {
		return g.some(0.3,
			func() []string { return g.opt(0.2, "--srh-next-hdr", g.num(0, 255)) },
			func() []string { return g.opt(0.2, "--srh-hdr-len-eq", g.num(0, 255)) },
			func() []string { return g.opt(0.2, "--srh-segs-left-gt", g.num(0, 255)) },
			func() []string { return g.opt(0.2, "--srh-last-entry-lt", g.num(0, 255)) },
			func() []string { return g.opt(0.2, "--srh-tag", g.num(0, 65535)) },
		)
	}},
}

// optsHeader draws the options of the hbh and dst matches.
func (g *Gen) optsHeader(prefix string) []string {
	return g.some(0.4,
		func() []string { return g.opt(0.2, prefix+"-len", g.num(0, 255)) },
		func() []string { return []string{prefix + "-opts", g.pick("1", "1:0", "0:2,1:4", "194:4")} },
	)
}
