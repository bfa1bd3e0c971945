package rule

import (
	"strings"
	"testing"
)

// fuzzSeeds are realistic rules (Kilo's, the corpus', typical host
// firewalls) the fuzzer starts from.
var fuzzSeeds = []string{
	`-s 10.4.0.0/16 -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`,
	`-d 10.4.0.0/16 -m comment --comment "Kilo: do not NAT packets destined for the local Kilo subnet" -j RETURN`,
	`-p 4 -m comment --comment "Kilo: jump to IPIP chain" -j KILO-IPIP`,
	`-s 192.168.0.1/32 -m comment --comment "Kilo: allow IPIP traffic" -j ACCEPT`,
	`-m comment --comment "Kilo: reject other IPIP traffic" -j DROP`,
	`-i wg+ -s 10.4.0.0/16 -j ACCEPT`,
	`-p udp --dport 51820 -j ACCEPT`,
	`-p tcp ! --sport 1024:65535 --dport 80 --syn -j ACCEPT`,
	`-p tcp --tcp-flags ACK,FIN FIN -j DROP`,
	`-p tcp -m tcp --tcp-flags SYN,RST,ACK,FIN SYN -m tcp --dport 22`,
	`-p udp --sport 0:65535`,
	`-p udp -m udp --sport :1024 --dport 1024:`,
	`! -s 10.11.12.13/255.0.255.0 ! -d 0.0.0.0/0 -j RETURN`,
	`-s 10.11.12.13/0.255.0.255`,
	`-i eth0 -o wg+ -j ACCEPT`,
	`! -i eth* -o eth*foo*+ -j ACCEPT`,
	`! -i + -j ACCEPT`,
	`-f -p tcp`,
	`! -f -p 4 -g KILO-IPIP`,
	`-m tcp --dport 22 -p tcp`,
	`-p sctp --dport 1:2 -j ACCEPT`,
	`-p tcp -m multiport --dports 22,80,443:445 -j ACCEPT`,
	`-p udp -m multiport ! --sports 53,123`,
	`-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
	`-m conntrack ! --ctstate INVALID --ctproto tcp --ctorigdst 10.0.0.0/8`,
	`-m state --state NEW`,
	`-m mark --mark 0x4000/0x4000 -j ACCEPT`,
	`-m mark ! --mark 1`,
	`-j MARK --set-xmark 0x4000/0x4000`,
	`-j MARK --set-mark 0x1`,
	`-m connmark --mark 0x1/0xff -j CONNMARK --restore-mark`,
	`-p tcp -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.0.0.1:80`,
	`-m limit --limit 3/min --limit-burst 5 -j LOG --log-prefix "IN: " --log-level 4`,
	`-p icmp --icmp-type echo-request -m limit --limit 1/s -j ACCEPT`,
	`-p icmp -m icmp --icmp-type 3/4`,
	`-m iprange --src-range 10.0.0.1-10.0.0.9`,
	`-p tcp -j REJECT --reject-with tcp-reset`,
	`-j REJECT --reject-with icmp-host-prohibited`,
	`-o eth0 -p udp -j MASQUERADE --to-ports 1024-2048 --random`,
	`-p tcp -j SNAT --to-source 192.0.2.1-192.0.2.9:1000-2000`,
	`-p tcp -j REDIRECT --to-ports 8080`,
	`-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`,
	`-j NOTRACK`,
	`-m pkttype --pkt-type broadcast -j DROP`,
	`-m length --length 0:64`,
	`-j NFLOG --nflog-group 2 --nflog-prefix x`,
	`-p all`,
	`! -p 132 -j KILO-NAT`,
}

// fuzzSeeds6 are IPv6 seeds, fuzzed with family IPv6.
var fuzzSeeds6 = []string{
	`-s fd00::/8 ! -d ::1 -p udp --dport 51820 -j ACCEPT`,
	`-s feed:babe::1/ffff:ff00:: -j ACCEPT`,
	`-s ::/0 -d fe80::/10 -j DROP`,
	`-p ipv6-icmp --icmpv6-type router-advertisement -j ACCEPT`,
	`-p icmpv6 -m icmp6 --icmpv6-type 1/3`,
	`-j REJECT --reject-with icmp6-adm-prohibited`,
	`-j MASQUERADE`,
}

// FuzzParse checks that no input makes the parser panic, that every rule
// that parses comes back to the same Key from its own Args, and that
// translating it does not panic.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(uint8(IPv4), s)
	}
	for _, s := range fuzzSeeds6 {
		f.Add(uint8(IPv6), s)
	}
	f.Fuzz(func(t *testing.T, famByte uint8, s string) {
		fam := Family(famByte % 2)
		r, err := ParseString(fam, s)
		if err != nil {
			if r != nil {
				t.Fatalf("%q: error %v with a rule", s, err)
			}
			return
		}
		// String and Key, written straight into a buffer, against the
		// same texts joined from Args (spec_text_test.go).
		if got, want := r.String(), argsString(r); got != want {
			t.Fatalf("%q: String %q, Args joined %q", s, got, want)
		}
		if got, want := r.Key(), argsKey(r); got != want {
			t.Fatalf("%q: Key %q, from Args %q", s, got, want)
		}
		again, err := Parse(fam, r.Args())
		if err != nil {
			t.Fatalf("%q parses, but its Args %q do not: %v", s, r.Args(), err)
		}
		if again.Key() != r.Key() {
			t.Fatalf("%q: Key changed when re-parsing Args %q:\n  %s\n  %s", s, r.Args(), r.Key(), again.Key())
		}
		if _, err := ParseString(fam, quoteArgs(r.Args())); err != nil {
			t.Fatalf("%q: quoted String %q does not parse: %v", s, quoteArgs(r.Args()), err)
		}
		tr, err := r.Translate()
		tr2, err2 := again.Translate()
		if (err == nil) != (err2 == nil) || (err == nil && tr.Text() != tr2.Text()) {
			t.Fatalf("%q and its re-parsed Args translate differently: %v / %v", s, err, err2)
		}
		if err == nil {
			_ = tr.Exprs()
		}
		// The command layer must not panic either.
		if cmd, err := ParseCommand(fam, append([]string{"-A", "X"}, strings.Fields(s)...)); err == nil {
			_, _ = cmd.Translate()
		}
	})
}

// FuzzRestore checks that no restore file makes ScanRestore or
// TranslateRestore panic, and that errors always come with a line.
func FuzzRestore(f *testing.F) {
	f.Add("*filter\n:INPUT ACCEPT [0:0]\n:FOO - [0:0]\n-A INPUT -s 10.0.0.0/8 -j FOO\n-I FOO 1 -j ACCEPT\nCOMMIT\n")
	f.Add("*nat\n-N X\n-A POSTROUTING -j X\n-F X\n-X\nCOMMIT\n")
	f.Add("# c\n*raw\n:OUTPUT DROP [1:2]\n[3:4] -A OUTPUT -j NOTRACK\nCOMMIT\n")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := TranslateRestore(strings.NewReader(in), "f", IPv4)
		if err != nil && out != "" {
			t.Fatalf("output %q with error %v", out, err)
		}
	})
}
