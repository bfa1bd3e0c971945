package rule

import (
	"strings"
	"testing"
)

// TestEquivalentSpellings: specs that differ only in flag order, implied or
// explicit module loading, address spelling, protocol or service names have
// one Key and one String.
func TestEquivalentSpellings(t *testing.T) {
	for _, tc := range []struct {
		fam       Family
		spellings []string
		want      string // String() of all of them
	}{
		{IPv4, []string{
			`-s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT`,
			`-m comment --comment "Kilo: jump" -s 10.4.0.0/16 -j KILO-NAT`,
			`-j KILO-NAT -s 10.4.0.0/255.255.0.0 -m comment --comment "Kilo: jump"`,
			`--source 10.4.7.9/16 --match comment --comment "Kilo: jump" --jump KILO-NAT`,
		}, `-s 10.4.0.0/16 -m comment --comment "Kilo: jump" -j KILO-NAT`},
		{IPv4, []string{
			`-p tcp --dport 80 -j ACCEPT`,
			`-p tcp -m tcp --dport 80 -j ACCEPT`,
			`-p 6 --destination-port http -j ACCEPT`,
			`-j ACCEPT -p TCP -m tcp --dport www`,
		}, `-p tcp -m tcp --dport 80 -j ACCEPT`},
		{IPv4, []string{`-s 10.0.0.1 -d 10.0.0.2`, `-s 10.0.0.1/32 -d 10.0.0.2/255.255.255.255`, `-d 10.0.0.2 -s 10.0.0.1`},
			`-s 10.0.0.1/32 -d 10.0.0.2/32`},
		{IPv4, []string{`-p 4 -j KILO-IPIP`, `-p ipencap -j KILO-IPIP`, `-p ipv4 -j KILO-IPIP`},
			`-p ipencap -j KILO-IPIP`},
		{IPv6, []string{`-s fd00::1 -p udp --dport 51820`, `-s fd00:0::1/128 -p 17 -m udp --dport 51820`},
			`-s fd00::1/128 -p udp -m udp --dport 51820`},
		{IPv4, []string{`! -s 10.0.0.0/8 -i eth+ -j DROP`, `-i eth+ ! --source 10.1.2.3/8 -j DROP`},
			`! -s 10.0.0.0/8 -i eth+ -j DROP`},
		{IPv4, []string{`-p all -j ACCEPT`, `-j ACCEPT`}, `-j ACCEPT`},
	} {
		var first *Rule
		for _, s := range tc.spellings {
			r, err := ParseString(tc.fam, s)
			if err != nil {
				t.Errorf("%s: %v", s, err)
				continue
			}
			if got := r.String(); got != tc.want {
				t.Errorf("%s: String() = %s, want %s", s, got, tc.want)
			}
			if first == nil {
				first = r
			} else if !first.Equal(r) {
				t.Errorf("%s: not Equal to %s (keys %q, %q)", s, tc.spellings[0], r.Key(), first.Key())
			}
		}
	}
}

func TestDifferentRules(t *testing.T) {
	for _, pair := range [][2]string{
		{`-s 10.0.0.1`, `-d 10.0.0.1`},
		{`-s 10.0.0.0/8`, `! -s 10.0.0.0/8`},
		{`-s 10.0.0.0/8`, `-s 10.0.0.0/16`},
		{`-p tcp --dport 80`, `-p tcp --sport 80`},
		{`-i eth0`, `-i eth0+`},
		{`-j KILO-NAT`, `-g KILO-NAT`},
		{`-j ACCEPT`, ``},
		{`-m comment --comment a -j ACCEPT`, `-m comment --comment b -j ACCEPT`},
	} {
		a, err1 := ParseString(IPv4, pair[0])
		b, err2 := ParseString(IPv4, pair[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("%v %v", err1, err2)
		}
		if a.Equal(b) {
			t.Errorf("%q and %q must differ", pair[0], pair[1])
		}
	}
	v4, _ := ParseString(IPv4, "-j ACCEPT")
	v6, _ := ParseString(IPv6, "-j ACCEPT")
	if v4.Equal(v6) {
		t.Error("the same rule in two families must differ")
	}
}

// TestParseErrors: bad input is an error naming the argument and the
// reason, never a panic.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		fam  Family
		args string
		arg  string // the argument the error names ("" = none)
		why  string // a substring of the reason
	}{
		{IPv4, `-s`, "-s", "requires a value"},
		{IPv4, `-s 10.0.0.300`, "10.0.0.300", "not an IP address"},
		{IPv4, `-s example.com`, "example.com", "host names are not resolved"},
		{IPv4, `-s fd00::1`, "fd00::1", "not an IPv4 address"},
		{IPv6, `-d 10.0.0.1`, "10.0.0.1", "not an IPv6 address"},
		{IPv4, `-s 10.0.0.0/33`, "10.0.0.0/33", "prefix length"},
		{IPv4, `-s 10.0.0.0/255.0.0.300`, "10.0.0.0/255.0.0.300", "bad netmask"},
		{IPv4, `-s 10.0.0.1,10.0.0.2`, "", "several addresses"}, // one rule each: ParseRules
		{IPv4, `-s 10.0.0.1 --src 10.0.0.2`, "--src", "only be given once"},
		{IPv4, `-i eth0123456789abcdef`, "eth0123456789abcdef", "longer than 15"},
		{IPv4, `-p bogus`, "bogus", "unknown protocol"},
		{IPv4, `! -p all`, "all", "match nothing"},
		{IPv6, `-f`, "-f", "only valid for IPv4"},
		{IPv4, `--dport 22`, "--dport", "needs -m MODULE or -p PROTOCOL"},
		{IPv4, `-p udp --syn`, "--syn", "unknown option"},
		{IPv4, `-m nosuchmodule`, "nosuchmodule", "unknown or unsupported match"},
		{IPv4, `! -m tcp`, "-m", "cannot be negated"},
		{IPv4, `-j ACCEPT -j DROP`, "-j", "only one target"},
		{IPv4, `! -j ACCEPT`, "-j", "cannot be negated"},
		{IPv4, `-j accept`, "accept", "unknown target"},
		{IPv4, `-j THIS-CHAIN-NAME-IS-FAR-TOO-LONG`, "THIS-CHAIN-NAME-IS-FAR-TOO-LONG", "longer than"},
		{IPv4, `-g ACCEPT`, "ACCEPT", "needs a chain"},
		{IPv4, `-A INPUT -j ACCEPT`, "-A", "is a command"},
		{IPv4, `-s 10.0.0.1 !`, "!", "nothing follows"},
		{IPv4, `! ! -s 10.0.0.1`, "!", "double negation"},
		{IPv4, `10.0.0.1`, "10.0.0.1", "unexpected argument"},
		{IPv4, `-p tcp --dport 99999`, "99999", "not a port"},
		{IPv4, `-p tcp --dport 90:80`, "90:80", "inverted"},
		{IPv4, `-m comment`, "-m comment", "needs --comment"},
		{IPv4, "-m comment --comment " + strings.Repeat("x", 254) + "éé", strings.Repeat("x", 254) + "\xc3", "splits a character"},
		{IPv4, `-m tcp --dport 22`, "-m tcp", "needs -p tcp"},
	} {
		wantParseError(t, tc.fam, tc.args, tc.arg, tc.why, false)
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{`-s 10.0.0.1  -j ACCEPT`, []string{"-s", "10.0.0.1", "-j", "ACCEPT"}, false},
		{`--comment "Kilo: jump" x`, []string{"--comment", "Kilo: jump", "x"}, false},
		{`--comment 'a "b"'`, []string{"--comment", `a "b"`}, false},
		{`--comment "a \"b\" \\c"`, []string{"--comment", `a "b" \c`}, false},
		{`--comment ""`, []string{"--comment", ""}, false},
		{`--comment "open`, nil, true},
		{`trailing\`, nil, true},
	} {
		got, err := SplitArgs(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("%s: error %v", tc.in, err)
			continue
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%s: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestStringRoundTrip: String quotes so that SplitArgs gives Args back.
func TestStringRoundTrip(t *testing.T) {
	for _, s := range []string{
		`-m comment --comment "with space" -j ACCEPT`,
		`-m comment --comment "with 'single' quotes and \\backslash" -j ACCEPT`,
		`-i eth0 ! -o wg+ -p udp --sport 53 -j DROP`,
		`-s 10.11.12.13/255.0.255.0 -j RETURN`,
	} {
		r, err := ParseString(IPv4, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		args, err := SplitArgs(r.String())
		if err != nil || strings.Join(args, "\x00") != strings.Join(r.Args(), "\x00") {
			t.Errorf("%s: String %s splits into %q, Args %q (%v)", s, r.String(), args, r.Args(), err)
		}
		back, err := Parse(IPv4, args)
		if err != nil || !back.Equal(r) {
			t.Errorf("%s: re-parse %v, %v", s, back, err)
		}
	}
}

// TestStatefulMatchOrder: reordering stateless matches keeps the rule, but a
// stateful match (limit) only sees what earlier matches let through, so its
// position is part of the rule.
func TestStatefulMatchOrder(t *testing.T) {
	parse := func(s string) *Rule {
		r, err := ParseString(IPv4, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return r
	}
	a := parse(`-p tcp -m tcp --dport 22 -m comment --comment ssh -m conntrack --ctstate NEW -j ACCEPT`)
	b := parse(`-p tcp -m conntrack --ctstate NEW -m comment --comment ssh -m tcp --dport 22 -j ACCEPT`)
	if !a.Equal(b) {
		t.Errorf("stateless matches in another order must be equal:\n%s\n%s", a.Key(), b.Key())
	}
	c := parse(`-p tcp -m tcp --dport 22 -m limit --limit 3/min -j ACCEPT`)
	d := parse(`-p tcp -m limit --limit 3/min -m tcp --dport 22 -j ACCEPT`)
	if c.Equal(d) {
		t.Error("moving a limit match across another match changes the rule")
	}
}

// TestStrtoul: numbers are read as iptables reads them (C strtoul, base 0),
// not with Go's extra prefixes and underscores.
func TestStrtoul(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"10", 10, true}, {"0x10", 16, true}, {"0XfF", 255, true}, {"010", 8, true},
		{"0xb4", 180, true}, {"4294967295", 4294967295, true},
		{"", 0, false}, {"0x", 0, false}, {"0b1", 0, false}, {"0o7", 0, false}, {"1_0", 0, false},
		{"-1", 0, false}, {"+1", 0, false}, {"08", 0, false}, {"1 ", 0, false}, {"x", 0, false},
	} {
		got, ok := strtoul(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("strtoul(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if _, err := parseUint("256", 8); err == nil {
		t.Error("parseUint(256, 8 bits) must fail")
	}
	if n, err := parseUint("0xff", 8); err != nil || n != 255 {
		t.Errorf("parseUint(0xff, 8) = %d, %v", n, err)
	}
}

// TestLongCommentCut: iptables cuts a comment to its first 255 bytes (its
// xt_comment_info holds 256 with the NUL), so a 256-byte or longer comment
// is the rule with the cut comment, which is what iptables-save lists.
func TestLongCommentCut(t *testing.T) {
	for _, n := range []int{255, 256, 300} {
		r, err := ParseString(IPv4, "-m comment --comment "+strings.Repeat("c", n)+" -j ACCEPT")
		if err != nil {
			t.Fatalf("%d-byte comment: %v", n, err)
		}
		want := "-m comment --comment " + strings.Repeat("c", 255) + " -j ACCEPT"
		if got := r.String(); got != want {
			t.Errorf("%d-byte comment: %q, want %q", n, got, want)
		}
	}
}
