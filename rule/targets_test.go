package rule

import (
	"testing"
)

// TestTargetParseErrors checks that bad target options are refused with an
// error naming the offending argument and saying why.
func TestTargetParseErrors(t *testing.T) {
	for _, c := range []struct {
		fam     Family
		args    string
		arg     string // the argument the error must name
		reason  string // a substring of the reason
		unsupOK bool   // the error must wrap ErrUnsupported
	}{
		{IPv4, `-j REJECT --reject-with bogus`, "bogus", "unknown reject type", false},
		{IPv4, `-j REJECT --reject-with icmp6-no-route`, "icmp6-no-route", "is an IPv6 reject type", false},
		{IPv6, `-j REJECT --reject-with icmp-host-prohibited`, "icmp-host-prohibited", "is an IPv4 reject type", false},
		{IPv4, `-j REJECT --reject-with`, "--reject-with", "requires a value", false},
		{IPv4, `-j REJECT --reject-with tcp-reset`, "--reject-with", "needs -p tcp", false},
		{IPv6, `-p udp -j REJECT --reject-with tcp-reset`, "--reject-with", "needs -p tcp", false},
		{IPv4, `-p tcp -j REJECT --reject-with tcp-reset --reject-with tcp-reset`, "--reject-with", "only be given once", false},
		{IPv4, `-j REJECT ! --reject-with tcp-reset`, "--reject-with", "cannot be negated", false},
		{IPv4, `-j LOG --log-level 8`, "8", "unknown log level", false},
		{IPv4, `-j LOG --log-level warn`, "warn", "unknown log level", false},
		{IPv4, `-j LOG --log-prefix ""`, "", "must not be empty", false},
		{IPv4, `-j LOG --log-prefix 123456789012345678901234567890`, "123456789012345678901234567890", "at most 29", false},
		{IPv4, `-j LOG --log-uid --log-uid`, "--log-uid", "only be given once", false},
		{IPv4, `-j NFLOG --nflog-group 65536`, "65536", "at most 65535", false},
		{IPv4, `-j NFLOG --nflog-range 5 --nflog-size 7`, "--nflog-range", "together with --nflog-size", false},
		{IPv4, `-j NFLOG --nflog-threshold x`, "x", "not a number", false},
		{IPv4, `-j MASQUERADE --to-ports 10`, "--to-ports", "needs -p tcp", false},
		{IPv4, `-p gre -j MASQUERADE --to-ports 10`, "--to-ports", "needs -p tcp", false},
		{IPv4, `-p tcp -j MASQUERADE --to-ports 20-10`, "20-10", "inverted", false},
		{IPv4, `-p tcp -j REDIRECT --to-ports 10:20`, "10:20", "use a dash", false},
		{IPv4, `-j MASQUERADE --persistent`, "--persistent", "unknown option", false},
		{IPv4, `-j SNAT`, "-j SNAT", "needs --to-source", false},
		{IPv4, `-j SNAT --to-source fec0::1`, "fec0::1", "not an IPv4 address range", false},
		{IPv6, `-j DNAT --to-destination 1.2.3.4`, "1.2.3.4", "not an IPv6 address", false},
		{IPv4, `-j SNAT --to-source example.com`, "example.com", "bad address", false},
		{IPv4, `-j SNAT --to-source 1.2.3.4:80`, "--to-source", "needs -p tcp", false},
		{IPv4, `-j SNAT --to-source :80`, "--to-source", "a port needs -p tcp", false},
		{IPv6, `-j DNAT --to-destination [fec0::1`, "[fec0::1", "missing ']'", false},
		{IPv4, `-j DNAT --to-destination 1.2.3.4 --random-fully`, "--random-fully", "unknown option", false},
		{IPv4, `-j SNAT --to 1.2.3.4 --to 1.2.3.5`, "--to", "only be given once", false},
		{IPv4, `-j MARK`, "-j MARK", "needs one of", false},
		{IPv4, `-j MARK --set-mark 1 --or-mark 2`, "--or-mark", "only one of", false},
		{IPv4, `-j MARK --set-xmark 0x1/0x100000000`, "0x100000000", "at most", false},
		{IPv4, `-j MARK --set-mark 08`, "08", "not a number", false},
		{IPv4, `-j CONNMARK`, "-j CONNMARK", "needs an operation", false},
		{IPv4, `-j CONNMARK --save-mark --restore-mark`, "--restore-mark", "only one operation", false},
		{IPv4, `-j CONNMARK --set-mark 1 --mask 2`, "--mask", "only goes with --save-mark", false},
		{IPv4, `-j CONNMARK --save-mark --left-shift-mark 32`, "32", "at most 31", false},
		{IPv4, `-j TCPMSS --set-mss 1400`, "-j TCPMSS", "needs -p tcp", false},
		{IPv4, `-p tcp -j TCPMSS`, "-j TCPMSS", "needs --set-mss", false},
		{IPv4, `-p tcp -j TCPMSS --set-mss 65535`, "65535", "at most 65534", false},
		{IPv4, `-p tcp -j TCPMSS --set-mss 1 --clamp-mss-to-pmtu`, "--clamp-mss-to-pmtu", "only one of", false},
		{IPv4, `-j CT --zone 65536`, "65536", "cannot parse as a zone ID", false},
		{IPv4, `-j CT --zone 1 --zone-orig 2`, "--zone-orig", "cannot be used together with --zone", false},
		{IPv4, `-j NOTRACK --notrack`, "--notrack", "unknown option", false},
		{IPv4, `-j CLASSIFY`, "-j CLASSIFY", "needs --set-class", false},
		{IPv4, `-j CLASSIFY --set-class 10000:1`, "10000:1", "bad class", false},
		{IPv4, `-j CLASSIFY --set-class 1`, "1", "bad class", false},
		{IPv4, `-j DSCP --set-dscp 64`, "64", "at most 63", false},
		{IPv4, `-j DSCP --set-dscp-class af44`, "af44", "unknown DSCP class", false},
		{IPv4, `-j DSCP`, "-j DSCP", "needs --set-dscp", false},
		{IPv4, `-j NFQUEUE --queue-balance 2:2`, "2:2", "bad queue range", false},
		{IPv4, `-j NFQUEUE --queue-num 70000`, "70000", "at most 65535", false},
		{IPv4, `-j NFQUEUE --queue-num 1 --queue-cpu-fanout`, "--queue-cpu-fanout", "needs --queue-balance", false},
		{IPv4, `-j NFQUEUE --queue-num 1 --queue-balance 0:3`, "--queue-balance", "together with --queue-num", false},
		{IPv4, `-j TRACE --foo`, "--foo", "unknown option", false},
		{IPv4, `-j masquerade`, "masquerade", "unknown target", false},
		{IPv4, `-j nflog`, "nflog", "unknown target", false},
		{IPv4, `-g REJECT`, "REJECT", "-g needs a chain", false},
	} {
		wantParseError(t, c.fam, c.args, c.arg, c.reason, c.unsupOK)
	}
}

// TestTargetCanonical checks that spellings with the same meaning have the
// same Key and print the same canonical (iptables-save) form.
func TestTargetCanonical(t *testing.T) {
	for _, c := range []struct {
		fam       Family
		spellings []string
		want      string // String() of every spelling
	}{
		{IPv4, []string{`-p tcp -j REJECT`, `-p tcp -j REJECT --reject-with icmp-port-unreachable`, `-p tcp -j REJECT --reject-with port-unreach`, `-p tcp -j REJECT --reject-with ICMP-PORT`},
			`-p tcp -j REJECT --reject-with icmp-port-unreachable`},
		{IPv4, []string{`-p tcp -j REJECT --reject-with tcp-rst`, `-p tcp -j REJECT --reject-with tcp-reset`, `-p TCP -j REJECT --reject-with tcp`},
			`-p tcp -j REJECT --reject-with tcp-reset`},
		{IPv4, []string{`-j REJECT --reject-with icmp-host`, `-j REJECT --reject-with host-unreach`},
			`-j REJECT --reject-with icmp-host-unreachable`},
		{IPv6, []string{`-j REJECT`, `-j REJECT --reject-with icmp6-port-unreachable`, `-j REJECT --reject-with port-unreach`},
			`-j REJECT --reject-with icmp6-port-unreachable`},
		{IPv6, []string{`-j REJECT --reject-with adm-prohibited`, `-j REJECT --reject-with icmp6-adm-prohibited`},
			`-j REJECT --reject-with icmp6-adm-prohibited`},
		{IPv4, []string{`-j LOG`, `-j LOG --log-level 4`, `-j LOG --log-level warning`, `-j LOG --log-level 0x4`},
			`-j LOG`},
		{IPv4, []string{`-j LOG --log-level error --log-prefix "a b" --log-uid --log-tcp-sequence`, `-j LOG --log-tcp-sequence --log-uid --log-level 3 --log-prefix "a b"`, `-j LOG --log-prefix "a b" --log-level 03 --log-uid --log-tcp-sequence`},
			`-j LOG --log-prefix "a b" --log-level 3 --log-tcp-sequence --log-uid`},
		{IPv4, []string{`-j LOG --log-level emerg`, `-j LOG --log-level panic`, `-j LOG --log-level 0`},
			`-j LOG --log-level 0`},
		{IPv4, []string{`-j NFLOG`, `-j NFLOG --nflog-group 0 --nflog-threshold 0`},
			`-j NFLOG`},
		{IPv4, []string{`-j NFLOG --nflog-size 5 --nflog-threshold 2 --nflog-prefix x --nflog-group 0x3`, `-j NFLOG --nflog-prefix x --nflog-group 3 --nflog-size 5 --nflog-threshold 2`},
			`-j NFLOG --nflog-prefix x --nflog-group 3 --nflog-size 5 --nflog-threshold 2`},
		{IPv4, []string{`-p tcp -j MASQUERADE --random-fully --to-ports 10-20 --random`, `-p tcp -j MASQUERADE --to-ports 10-20 --random --random-fully`},
			`-p tcp -j MASQUERADE --to-ports 10-20 --random --random-fully`},
		{IPv4, []string{`-p tcp -j MASQUERADE --to-ports 80-80`, `-p tcp -j MASQUERADE --to-ports http`},
			`-p tcp -j MASQUERADE --to-ports 80`},
		{IPv4, []string{`-p tcp -j SNAT --to 1.2.3.4-1.2.3.4:5-5 --persistent --random`, `-p tcp -j SNAT --to-source 1.2.3.4:5 --random --persistent`},
			`-p tcp -j SNAT --to-source 1.2.3.4:5 --random --persistent`},
		{IPv6, []string{`-j SNAT --to-source [fec0:0::1]`, `-j SNAT --to-source fec0::1`},
			`-j SNAT --to-source fec0::1`},
		{IPv6, []string{`-p udp -j DNAT --to-destination [fec0:0::1]:80-81`, `-p udp -j DNAT --to [FEC0::1]:80-81`},
			`-p udp -j DNAT --to-destination [fec0::1]:80-81`},
		{IPv4, []string{`-p tcp -j DNAT --to-destination :80`, `-p tcp -j DNAT --to :http`},
			`-p tcp -j DNAT --to-destination :80`},
		{IPv4, []string{`-p tcp -j REDIRECT --to-ports 10-10`, `-p tcp -j REDIRECT --to-ports 10`},
			`-p tcp -j REDIRECT --to-ports 10`},
		{IPv4, []string{`-j MARK --set-mark 64`, `-j MARK --set-xmark 0x40`, `-j MARK --set-xmark 0x40/0xffffffff`, `-j MARK --set-mark 0100`},
			`-j MARK --set-xmark 0x40/0xffffffff`},
		{IPv4, []string{`-j MARK --set-mark 0x40/0x32`, `-j MARK --set-xmark 0x40/0x72`},
			`-j MARK --set-xmark 0x40/0x72`},
		{IPv4, []string{`-j MARK --or-mark 3`, `-j MARK --set-xmark 3/3`},
			`-j MARK --set-xmark 0x3/0x3`},
		{IPv4, []string{`-j MARK --and-mark 3`, `-j MARK --set-xmark 0/0xfffffffc`},
			`-j MARK --set-xmark 0x0/0xfffffffc`},
		{IPv4, []string{`-j MARK --xor-mark 3`, `-j MARK --set-xmark 3/0`},
			`-j MARK --set-xmark 0x3/0x0`},
		{IPv4, []string{`-j CONNMARK --set-mark 5`, `-j CONNMARK --set-xmark 5/0xffffffff`},
			`-j CONNMARK --set-xmark 0x5/0xffffffff`},
		{IPv4, []string{`-j CONNMARK --or-mark 3`, `-j CONNMARK --set-xmark 3/3`},
			`-j CONNMARK --set-xmark 0x3/0x3`},
		{IPv4, []string{`-j CONNMARK --save-mark`, `-j CONNMARK --save-mark --mask 0xffffffff`, `-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff`},
			`-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff`},
		{IPv4, []string{`-j CONNMARK --restore-mark --mask 0xff`, `-j CONNMARK --restore-mark --ctmask 255 --nfmask 0xff`},
			`-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff`},
		{IPv4, []string{`-j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5`, `-j CONNMARK --set-xmark 0x23/0x63 --right-shift-mark 5`},
			`-j CONNMARK --set-xmark 0x23/0x63 --right-shift-mark 5`},
		{IPv4, []string{`-p tcp -j TCPMSS --set-mss 0x578`, `-p tcp -j TCPMSS --set-mss 1400`},
			`-p tcp -j TCPMSS --set-mss 1400`},
		{IPv4, []string{`-j CT --notrack`},
			`-j CT --notrack`},
		{IPv4, []string{`-j NOTRACK`},
			`-j NOTRACK`},
		{IPv4, []string{`-j TRACE`},
			`-j TRACE`},
		{IPv4, []string{`-j CLASSIFY --set-class 1:234`, `-j CLASSIFY --set-class 0x1:0234`},
			`-j CLASSIFY --set-class 0001:0234`},
		{IPv4, []string{`-j DSCP --set-dscp-class ef`, `-j DSCP --set-dscp 46`, `-j DSCP --set-dscp 0x2e`},
			`-j DSCP --set-dscp 0x2e`},
		{IPv4, []string{`-j NFQUEUE`, `-j NFQUEUE --queue-num 0`},
			`-j NFQUEUE --queue-num 0`},
		{IPv4, []string{`-j NFQUEUE --queue-cpu-fanout --queue-bypass --queue-balance 0:3`, `-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout`},
			`-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout`},
	} {
		var first *Rule
		for _, s := range c.spellings {
			r, err := ParseString(c.fam, s)
			if err != nil {
				t.Errorf("%s: %v", s, err)
				continue
			}
			if got := r.String(); got != c.want {
				t.Errorf("%s: String() = %q, want %q", s, got, c.want)
			}
			// The canonical form must parse back to the same rule.
			back, err := Parse(c.fam, r.Args())
			if err != nil {
				t.Errorf("%s: canonical form %q does not parse: %v", s, r.String(), err)
			} else if !back.Equal(r) {
				t.Errorf("%s: round trip changed the rule: %q", s, back.Key())
			}
			if first == nil {
				first = r
			} else if !first.Equal(r) {
				t.Errorf("%s: Key %q differs from %q", s, r.Key(), first.Key())
			}
		}
	}
}

// TestTargetDistinct checks that rules with different meanings do not
// compare equal.
func TestTargetDistinct(t *testing.T) {
	for _, pair := range [][2]string{
		{`-p tcp -j REJECT`, `-p tcp -j REJECT --reject-with tcp-reset`},
		{`-j LOG --log-level 3`, `-j LOG --log-level 4`},
		{`-j LOG --log-prefix a`, `-j LOG --log-prefix b`},
		{`-j NFLOG --nflog-group 1`, `-j NFLOG --nflog-group 2`},
		{`-j NFLOG`, `-j NFLOG --nflog-threshold 1`},
		{`-j MARK --set-mark 1`, `-j MARK --or-mark 1`},
		{`-j CONNMARK --save-mark`, `-j CONNMARK --restore-mark`},
		{`-j SNAT --to-source 1.2.3.4`, `-j DNAT --to-destination 1.2.3.4`},
		{`-j SNAT --to-source 1.2.3.4`, `-j SNAT --to-source 1.2.3.4 --persistent`},
		{`-j MASQUERADE`, `-j MASQUERADE --random`},
	} {
		a, err := ParseString(IPv4, pair[0])
		if err != nil {
			t.Fatalf("%s: %v", pair[0], err)
		}
		b, err := ParseString(IPv4, pair[1])
		if err != nil {
			t.Fatalf("%s: %v", pair[1], err)
		}
		if a.Equal(b) {
			t.Errorf("%q and %q compare equal (Key %q)", pair[0], pair[1], a.Key())
		}
	}
}

// TestTargetUnsupported checks that valid rules nftsync cannot translate
// exactly fail with ErrUnsupported rather than translating into something
// weaker or different.
func TestTargetUnsupported(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		// CONNMARK --save-mark/--restore-mark with masks: xt_translate_test.go.
		// NFLOG with a backslash in its prefix: xt NFLOG (kernel_xt_fallback_test.go).
	} {
		wantUnsupported(t, c.fam, c.args)
	}
}

// TestTargetTranslate checks translations the corpus does not show.
func TestTargetTranslate(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
		want string
	}{
		{IPv4, `-j REJECT --reject-with icmp-proto-unreachable`, `counter reject with icmp type prot-unreachable`},
		{IPv4, `-j REJECT --reject-with icmp-admin-prohibited`, `counter reject with icmp type admin-prohibited`},
		{IPv6, `-j REJECT --reject-with icmp6-adm-prohibited`, `counter reject with icmpv6 type admin-prohibited`},
		{IPv4, `-j LOG --log-level 4`, `counter log`},
		{IPv4, `-j LOG --log-tcp-options --log-macdecode --log-prefix "a b" --log-level 1`, `counter log prefix "a b" level alert flags tcp options flags ether`},
		{IPv4, `-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid`, `counter log flags tcp sequence,options flags ip options flags skuid`},
		{IPv4, `-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode`, `counter log flags all`},
		{IPv4, `-j NFLOG --nflog-range 5`, `counter log group 0`},
		{IPv4, `-j NFLOG --nflog-threshold 1`, `counter log queue-threshold 1 group 0`},
		{IPv4, `-j NFLOG --nflog-threshold 0`, `counter log group 0`},
		{IPv4, `-p udp -j SNAT --to-source 1.2.3.4-1.2.3.6:80-90 --random-fully`, `ip protocol udp counter snat to 1.2.3.4-1.2.3.6:80-90 fully-random`},
		{IPv4, `-p tcp -j DNAT --to-destination :80`, `ip protocol tcp counter dnat to :80`},
		{IPv6, `-j DNAT --to-destination [fec0::1]`, `counter dnat to fec0::1`},
		{IPv4, `-j MARK --set-xmark 0/0`, `counter meta mark set mark and 0xffffffff`},
		{IPv4, `-p tcp --syn -j TCPMSS --set-mss 1400`, `tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 1400`},
		{IPv4, `-j CT --notrack`, `counter notrack`},
		{IPv4, `-j CLASSIFY --set-class 0x10:00ff`, `counter meta priority set 10:ff`},
		{IPv4, `-j DSCP --set-dscp-class EF`, `counter ip dscp set 0x2e`},
		{IPv4, `-j NFQUEUE --queue-balance 1:3 --queue-cpu-fanout`, `counter queue num 1-3 fanout`},
		{IPv4, `-j NFQUEUE --queue-num 5 --queue-bypass`, `counter queue num 5 bypass`},
	} {
		wantText(t, c.fam, c.args, c.want)
	}
}

// TestNoTrackSpellings checks that -j NOTRACK and -j CT --notrack, one
// meaning written two ways, compare equal but print as written.
func TestNoTrackSpellings(t *testing.T) {
	for _, fam := range []Family{IPv4, IPv6} {
		a, err := ParseString(fam, `-p udp --dport 53 -j NOTRACK`)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseString(fam, `-p udp --dport 53 -j CT --notrack`)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Equal(b) || a.Key() != b.Key() {
			t.Errorf("%s: NOTRACK and CT --notrack differ:\n  %s\n  %s", fam, a.Key(), b.Key())
		}
		if a.String() != `-p udp -m udp --dport 53 -j NOTRACK` || b.String() != `-p udp -m udp --dport 53 -j CT --notrack` {
			t.Errorf("%s: String lost the spelling: %q, %q", fam, a.String(), b.String())
		}
		c, err := ParseString(fam, `-p udp --dport 54 -j NOTRACK`)
		if err != nil {
			t.Fatal(err)
		}
		if c.Equal(b) {
			t.Errorf("%s: different ports compare equal (Key %q)", fam, c.Key())
		}
		for _, other := range []string{`-p udp --dport 53 -j TRACE`, `-p udp --dport 53`} {
			o, err := ParseString(fam, other)
			if err != nil {
				t.Fatal(err)
			}
			if o.Equal(a) {
				t.Errorf("%s: %q equals NOTRACK (Key %q)", fam, other, o.Key())
			}
		}
	}
}
