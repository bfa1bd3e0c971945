package rulegen

// none is a target without options.
func none(*Gen) []string { return []string{} }

var (
	natPre  = []string{"PREROUTING", "OUTPUT"}
	natPost = []string{"POSTROUTING", "INPUT"}
	fwdOut  = []string{"FORWARD", "OUTPUT", "POSTROUTING"}
)

// targets is the target grammar: every target extension of iptables 1.8.9
// with the tables and hooks the kernel allows it in, plus three pseudo
// targets: "" (no -j, the rule only counts), "standard" (ACCEPT, DROP,
// RETURN) and "user" (-j or -g to UserChain).
var targets = []ext{
	{name: "", weight: 25, args: none},
	{name: "standard", weight: 40, args: none},
	{name: "user", weight: 8, args: none},
	{name: "REJECT", weight: 10, tables: []string{"filter"}, args: func(g *Gen) []string {
		if g.chance(0.3) {
			return []string{}
		}
		if g.proto == "tcp" && g.chance(0.3) {
			return []string{"--reject-with", g.pick("tcp-reset", "tcp-rst")} // needs -p tcp
		}
		if g.v6 {
			return []string{"--reject-with", g.pick("icmp6-no-route", "no-route", "icmp6-adm-prohibited", "adm-prohibited", "icmp6-addr-unreachable",
				"addr-unreach", "icmp6-port-unreachable", "port-unreach", "icmp6-policy-fail", "icmp6-reject-route")}
		}
		return []string{"--reject-with", g.pick("icmp-net-unreachable", "net-unreach", "icmp-host-unreachable", "icmp-proto-unreachable",
			"icmp-port-unreachable", "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited", "admin-prohib")}
	}},
	{name: "LOG", weight: 8, args: func(g *Gen) []string {
		out := []string{}
		if g.chance(0.6) {
			out = append(out, "--log-prefix", g.logPrefix())
		}
		if g.chance(0.4) {
			out = append(out, "--log-level", g.pick("0", "7", "4", "emerg", "debug", "warning", "info", "panic", "error"))
		}
		for _, o := range []string{"--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid", "--log-macdecode"} {
			if g.chance(0.12) {
				out = append(out, o)
			}
		}
		return out
	}},
	{name: "NFLOG", weight: 5, args: func(g *Gen) []string {
		out := []string{}
		if g.chance(0.7) {
			out = append(out, "--nflog-group", g.pick("0", "1", "65535"))
		}
		if g.chance(0.3) {
			out = append(out, "--nflog-prefix", g.logPrefix())
		}
		if g.chance(0.3) {
			out = append(out, "--nflog-size", g.pick("0", "128", "4294967295"))
		}
		if g.chance(0.3) {
			out = append(out, "--nflog-threshold", g.pick("0", "1", "10", "65535"))
		}
		return out
	}},
	{name: "NFQUEUE", weight: 3, args: func(g *Gen) []string {
		var out []string
		if g.chance(0.5) {
			out = append(out, "--queue-num", g.pick("0", "1", "65535"))
		} else if g.chance(0.7) {
			out = append(out, "--queue-balance", g.pick("0:3", "1:1", "100:200"))
			if g.chance(0.3) {
				out = append(out, "--queue-cpu-fanout")
			}
		}
		if g.chance(0.4) {
			out = append(out, "--queue-bypass")
		}
		return append([]string{}, out...)
	}},
	{name: "MARK", weight: 6, tables: []string{"mangle", "filter", "raw", "nat", "security"}, args: func(g *Gen) []string {
		return g.markOp()
	}},
	{name: "CONNMARK", weight: 5, args: func(g *Gen) []string {
		switch g.intn(5) {
		case 0:
			return g.markOp()
		case 1, 2:
			out := []string{g.pick("--save-mark", "--restore-mark")}
			switch g.intn(3) {
			case 0:
				out = append(out, "--mask", g.u32())
			case 1:
				out = append(out, "--ctmask", g.u32(), "--nfmask", g.u32())
			}
			return out
		case 3:
			return []string{"--set-mark", g.mark(), g.pick("--left-shift-mark", "--right-shift-mark"), g.pick("0", "1", "16", "31")}
		}
		return []string{"--restore-mark", "--right-shift-mark", g.pick("0", "8", "31")}
	}},
	{name: "MASQUERADE", weight: 6, tables: []string{"nat"}, hooks: []string{"POSTROUTING"}, args: func(g *Gen) []string {
		out := []string{}
		if g.proto == "tcp" || g.proto == "udp" || g.chance(0.2) {
			if g.chance(0.4) {
				out = append(out, "--to-ports", g.pick("1024", "1024-65535", "0", "65535", "80-80"))
			}
		}
		if g.chance(0.2) {
			out = append(out, g.pick("--random", "--random-fully"))
		}
		return out
	}},
	{name: "SNAT", weight: 5, tables: []string{"nat"}, hooks: natPost, args: func(g *Gen) []string { return g.natTo("--to-source") }},
	{name: "DNAT", weight: 5, tables: []string{"nat"}, hooks: natPre, args: func(g *Gen) []string { return g.natTo("--to-destination") }},
	{name: "REDIRECT", weight: 3, tables: []string{"nat"}, hooks: natPre, args: func(g *Gen) []string {
		out := []string{}
		if g.proto == "tcp" || g.proto == "udp" || g.chance(0.1) {
			if g.chance(0.6) {
				out = append(out, "--to-ports", g.pick("8080", "1-65535", "0", "3128-3130"))
			}
		}
		if g.chance(0.2) {
			out = append(out, "--random")
		}
		return out
	}},
	{name: "NETMAP", weight: 2, tables: []string{"nat"}, args: func(g *Gen) []string {
		to := g.pick("10.99.0.0/16", "192.168.0.0/24", "1.2.3.4/32", "0.0.0.0/0")
		if g.v6 {
			to = g.pick("fd99::/64", "2001:db8::/32", "::1/128")
		}
		return []string{"--to", to}
	}},
	{name: "NOTRACK", weight: 2, tables: []string{"raw"}, args: none},
	{name: "CT", weight: 3, tables: []string{"raw"}, args: func(g *Gen) []string {
		switch g.intn(6) {
		case 0:
			return []string{"--notrack"}
		case 1:
			switch g.proto {
			case "tcp":
				return []string{"--helper", "ftp"}
			case "udp":
				return []string{"--helper", "tftp"}
			}
			return []string{"--notrack"}
		case 2:
			return []string{"--zone", g.pick("0", "1", "65535", "mark")}
		case 3:
			return []string{g.pick("--zone-orig", "--zone-reply"), g.pick("1", "mark")}
		case 4:
			return []string{"--ctevents", g.list(3, "new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark")}
		}
		return []string{"--expevents", "new"}
	}},
	{name: "TRACE", weight: 1, tables: []string{"raw"}, args: none},
	{name: "TCPMSS", weight: 3, tables: []string{"mangle", "filter"}, hooks: fwdOut, protos: []string{"tcp"},
		requires: []string{"-m", "tcp", "--tcp-flags", "SYN,RST", "SYN"}, args: func(g *Gen) []string {
			if g.chance(0.5) {
				return []string{"--clamp-mss-to-pmtu"}
			}
			return []string{"--set-mss", g.pick("536", "1400", "1460", "65495")}
		}},
	{name: "TCPOPTSTRIP", weight: 1, tables: tablesMangle, protos: []string{"tcp"}, args: func(g *Gen) []string {
		return []string{"--strip-options", g.list(3, "mss", "wscale", "sack-permitted", "sack", "timestamp", "md5", "2", "255")}
	}},
	{name: "TOS", weight: 2, tables: tablesMangle, args: func(g *Gen) []string {
		switch g.intn(5) {
		case 0:
			return []string{"--set-tos", g.pick("0x10", "0", "0xff/0x3f", "Minimize-Delay", "0x08/0xff")}
		case 1:
			return []string{"--and-tos", g.pick("0", "0xff", "0x0f")}
		case 2:
			return []string{"--or-tos", g.pick("0", "0x10")}
		case 3:
			return []string{"--xor-tos", g.pick("0", "0x10")}
		}
		return []string{"--set-tos", g.pick("Normal-Service", "Maximize-Throughput")}
	}},
	{name: "DSCP", weight: 2, tables: tablesMangle, args: func(g *Gen) []string {
		if g.chance(0.5) {
			return []string{"--set-dscp", g.pick("0", "63", "0x2e", "10")}
		}
		return []string{"--set-dscp-class", g.pick("BE", "EF", "AF11", "AF43", "CS0", "CS7")}
	}},
	{name: "ECN", weight: 1, fam: v4, tables: tablesMangle, protos: []string{"tcp"}, args: func(*Gen) []string { return []string{"--ecn-tcp-remove"} }},
	{name: "TTL", weight: 2, fam: v4, tables: tablesMangle, args: func(g *Gen) []string {
		if g.chance(0.3) {
			return []string{"--ttl-set", g.pick("0", "1", "64", "255")}
		}
		return []string{g.pick("--ttl-dec", "--ttl-inc"), g.pick("1", "64", "255")}
	}},
	{name: "HL", weight: 2, fam: v6, tables: tablesMangle, args: func(g *Gen) []string {
		if g.chance(0.3) {
			return []string{"--hl-set", g.pick("0", "1", "64", "255")}
		}
		return []string{g.pick("--hl-dec", "--hl-inc"), g.pick("1", "64", "255")}
	}},
	{name: "CLASSIFY", weight: 2, tables: tablesMangle, hooks: fwdOut, args: func(g *Gen) []string {
		return []string{"--set-class", g.pick("0:0", "1:10", "ffff:ffff", "10:1")}
	}},
	{name: "CHECKSUM", weight: 1, tables: tablesMangle, args: func(*Gen) []string { return []string{"--checksum-fill"} }},
	{name: "TEE", weight: 1, tables: tablesMangle, args: func(g *Gen) []string {
		gw := g.pick("10.200.2.2", "192.0.2.1")
		if g.v6 {
			gw = g.pick("fd00:200:2::2", "2001:db8::1")
		}
		out := []string{"--gateway", gw}
		if g.chance(0.3) {
			out = append(out, "--oif", g.pick("r1", "eth0"))
		}
		return out
	}},
	{name: "TPROXY", weight: 2, tables: tablesMangle, hooks: []string{"PREROUTING"}, protos: tcpUDP, args: func(g *Gen) []string {
		out := []string{"--on-port", g.pick("0", "3128", "65535")}
		if g.chance(0.5) {
			ip := g.pick("127.0.0.1", "0.0.0.0", "10.200.1.1")
			if g.v6 {
				ip = g.pick("::1", "::", "fd00:200:1::1")
			}
			out = append(out, "--on-ip", ip)
		}
		if g.chance(0.5) {
			out = append(out, "--tproxy-mark", g.mark())
		}
		return out
	}},
	{name: "SYNPROXY", weight: 1, tables: []string{"filter"}, hooks: []string{"INPUT", "FORWARD"}, protos: []string{"tcp"}, args: func(g *Gen) []string {
		out := []string{}
		if g.chance(0.6) {
			out = append(out, "--mss", g.pick("1460", "0", "65535"))
		}
		if g.chance(0.5) {
			out = append(out, "--wscale", g.pick("0", "7", "14"))
		}
		for _, o := range []string{"--sack-perm", "--timestamp", "--ecn"} {
			if g.chance(0.3) {
				out = append(out, o)
			}
		}
		return out
	}},
	{name: "AUDIT", weight: 1, args: func(g *Gen) []string { return []string{"--type", g.pick("accept", "drop", "reject")} }},
	{name: "IDLETIMER", weight: 1, args: func(g *Gen) []string {
		out := []string{"--timeout", g.pick("1", "60", "4294967295"), "--label", g.pick("t1", "idle")}
		if g.chance(0.3) {
			out = append(out, "--alarm")
		}
		return out
	}},
	{name: "HMARK", weight: 1, args: func(g *Gen) []string {
		out := []string{"--hmark-tuple", g.list(3, "src", "dst", "sport", "dport", "spi", "proto", "ct"), "--hmark-mod", g.pick("1", "10", "4294967295")}
		if g.chance(0.4) {
			out = append(out, "--hmark-offset", g.pick("0", "10000"))
		}
		out = append(out, "--hmark-rnd", g.pick("0", "0xcafeface"))
		if g.chance(0.3) { // port and SPI masks and values, in network byte order
			if g.chance(0.5) {
				out = append(out, g.pick("--hmark-sport-mask", "--hmark-dport-mask", "--hmark-sport", "--hmark-dport"), g.pick("0x0102", "0xffff", "0"))
			} else {
				out = append(out, g.pick("--hmark-spi-mask", "--hmark-spi"), g.pick("0x12345678", "0xffffffff"))
			}
		}
		return out
	}},
	{name: "SECMARK", weight: 1, tables: []string{"mangle", "security"}, args: func(*Gen) []string {
		return []string{"--selctx", "system_u:object_r:ssh_packet_t:s0"}
	}},
	{name: "CONNSECMARK", weight: 1, tables: []string{"mangle", "security"}, args: func(g *Gen) []string {
		return []string{g.pick("--save", "--restore")}
	}},
	{name: "RATEEST", weight: 1, args: func(g *Gen) []string {
		return []string{"--rateest-name", g.pick("r1", "est"), "--rateest-interval", g.pick("250ms", "1s"), "--rateest-ewmalog", g.pick("2s", "8s")}
	}},
	{name: "SET", weight: 1, args: func(g *Gen) []string {
		return []string{g.pick("--add-set", "--del-set"), "s1", g.pick("src", "dst")}
	}},
	{name: "LED", weight: 1, args: func(*Gen) []string { return []string{"--led-trigger-id", "x"} }},
	{name: "CLUSTERIP", weight: 1, fam: v4, tables: []string{"mangle", "filter"}, hooks: []string{"INPUT"}, args: func(*Gen) []string {
		return []string{"--new", "--hashmode", "sourceip", "--clustermac", "01:00:5e:00:00:20", "--total-nodes", "2", "--local-node", "1"}
	}},
	{name: "ULOG", weight: 1, fam: v4, args: func(*Gen) []string { return []string{"--ulog-nlgroup", "1"} }},
	{name: "DNPT", weight: 1, fam: v6, tables: tablesMangle, hooks: []string{"PREROUTING", "OUTPUT"}, args: func(*Gen) []string {
		return []string{"--src-pfx", "fd00:1::/64", "--dst-pfx", "2001:db8:1::/64"}
	}},
	{name: "SNPT", weight: 1, fam: v6, tables: tablesMangle, hooks: []string{"POSTROUTING", "INPUT"}, args: func(*Gen) []string {
		return []string{"--src-pfx", "fd00:1::/64", "--dst-pfx", "2001:db8:1::/64"}
	}},
}

// natTo draws a SNAT/DNAT --to option: address, address range, port or
// port range (with a protocol), and the flags.
func (g *Gen) natTo(opt string) []string {
	a, b := g.pick("10.200.2.9", "192.0.2.1", "0.0.0.0", "255.255.255.255"), "192.0.2.9"
	if g.v6 {
		a, b = g.pick("fd00:200:2::9", "2001:db8::1", "::"), "2001:db8::9"
	}
	ports := g.proto == "tcp" || g.proto == "udp" || g.proto == "sctp" || g.proto == "dccp"
	var to string
	switch g.intn(4) {
	case 0:
		to = a
	case 1:
		to = a + "-" + b
	case 2:
		if !ports {
			to = a
			break
		}
		to = a
		if g.v6 {
			to = "[" + a + "]"
		}
		to += ":" + g.pick("80", "1024-2048", "0", "65535", "1000-2000/100")
	default:
		to = ":" + g.pick("80", "1024-65535")
		if !ports || g.chance(0.3) {
			to = a
		}
	}
	out := []string{opt, to}
	if g.chance(0.15) {
		out = append(out, "--random")
	}
	if g.chance(0.1) {
		out = append(out, "--persistent")
	}
	if opt == "--to-source" && g.chance(0.1) {
		out = append(out, "--random-fully")
	}
	return out
}

// markOp draws one of the mark operations MARK and CONNMARK share.
func (g *Gen) markOp() []string {
	switch g.intn(5) {
	case 0:
		return []string{"--set-xmark", g.mark()}
	case 1:
		return []string{"--set-mark", g.mark()}
	}
	return []string{g.pick("--and-mark", "--or-mark", "--xor-mark"), g.u32()}
}
