package rule

import (
	"errors"
	"testing"
)

// TestRestParseErrors checks that bad AUDIT, SYNPROXY, TEE, TOS,
// statistic, connbytes and policy options are refused with an error naming
// the offending argument, and that valid rules nftsync cannot translate
// exactly are refused as unsupported.
func TestRestParseErrors(t *testing.T) {
	for _, c := range []struct {
		fam    Family
		args   string
		arg    string // the argument the error must name
		reason string // a substring of the reason
		unsup  bool   // the error must wrap ErrUnsupported
	}{
		{IPv4, `-j AUDIT`, "-j AUDIT", "needs --type", false},
		{IPv4, `-j AUDIT --type allow`, "allow", "bad --type", false},
		{IPv4, `-j AUDIT --type drop --type drop`, "--type", "only be given once", false},
		{IPv4, `-j AUDIT ! --type drop`, "--type", "cannot be negated", false},
		{IPv4, `-j SYNPROXY --mss 1460`, "-j SYNPROXY", "needs -p tcp", false},
		{IPv4, `! -p tcp -j SYNPROXY`, "-j SYNPROXY", "needs -p tcp", false},
		{IPv4, `-p tcp -j SYNPROXY --mss 65536`, "65536", "at most 65535", false},
		{IPv4, `-p tcp -j SYNPROXY --wscale 256`, "256", "at most 255", false},
		{IPv4, `-p tcp -j SYNPROXY --mss 1 --mss 2`, "--mss", "only be given once", false},
		{IPv4, `-j TEE`, "-j TEE", "needs --gateway", false},
		{IPv4, `-j TEE --gateway fec0::1`, "fec0::1", "not an IPv4 address", false},
		{IPv6, `-j TEE --gateway 1.2.3.4`, "1.2.3.4", "not an IPv6 address", false},
		{IPv4, `-j TEE --gateway gw.example`, "gw.example", "not a numeric", false},
		{IPv4, `-j TEE --gateway 0.0.0.0`, "0.0.0.0", "unspecified", false},
		{IPv4, `-j TOS`, "-j TOS", "needs --set-tos", false},
		{IPv4, `-j TOS --set-tos 0x100`, "0x100", "at most 255", false},
		{IPv4, `-j TOS --set-tos 1/0x100`, "0x100", "at most 255", false},
		{IPv4, `-j TOS --set-tos Fast`, "Fast", "not a number", false},
		{IPv4, `-j TOS --set-tos 1 --or-tos 2`, "--or-tos", "only one of", false},
		{IPv4, `-m statistic --every 3 --packet 1`, "-m statistic", "needs --mode", false},
		{IPv4, `-m statistic --mode often`, "often", "bad mode", false},
		{IPv4, `-m statistic --mode random`, "-m statistic", "needs --probability", false},
		{IPv4, `-m statistic --mode random --probability 1.5`, "1.5", "from 0 to 1", false},
		{IPv4, `-m statistic --mode random --probability NaN`, "NaN", "from 0 to 1", false},
		{IPv4, `-m statistic --mode nth --every 3`, "-m statistic", "needs --every and --packet", false},
		{IPv4, `-m statistic --mode nth --every 0 --packet 0`, "0", "at least 1", false},
		{IPv4, `-m statistic --mode nth --every 3 --packet 3`, "3", "below --every", false},
		{IPv4, `-m statistic --mode nth --every 3 --packet 1 --probability 0.5`, "--probability", "cannot be combined", false},
		{IPv4, `-m statistic --mode nth --every 3 ! --packet 1`, "--packet", "cannot be inverted", false},
		{IPv4, `-m connbytes --connbytes 10 --connbytes-mode packets`, "-m connbytes", "needs --connbytes", false},
		{IPv4, `-m connbytes --connbytes 10:5 --connbytes-mode packets --connbytes-dir both`, "10:5", "should be less than", false},
		{IPv4, `-m connbytes --connbytes x --connbytes-mode packets --connbytes-dir both`, "x", "not a number", false},
		{IPv4, `-m connbytes --connbytes 1 --connbytes-mode frames --connbytes-dir both`, "frames", "bad --connbytes-mode", false},
		{IPv4, `-m connbytes --connbytes 1 --connbytes-mode bytes --connbytes-dir up`, "up", "bad --connbytes-dir", false},
		{IPv4, `-m connbytes --connbytes 1 --connbytes-mode bytes ! --connbytes-dir both`, "--connbytes-dir", "cannot be negated", false},
		{IPv4, `-p tcp -j TPROXY --on-ip 1.2.3.4`, "-j TPROXY", "needs --on-port", false},
		{IPv4, `-p icmp -j TPROXY --on-port 1`, "-j TPROXY", "needs -p tcp or -p udp", false},
		{IPv4, `-p tcp -j TPROXY --on-port 1 --on-ip fec0::1`, "fec0::1", "not a numeric IPv4 address", false},
		{IPv4, `-p tcp -j TPROXY --on-port 65536`, "65536", "at most 65535", false},
		{IPv4, `-m policy --pol ipsec`, "-m policy", "needs --dir", false},
		{IPv4, `-m cluster --cluster-total-nodes 2 --cluster-local-node 1`, "-m cluster", "needs --cluster-hash-seed", false},
		{IPv4, `-m hashlimit --hashlimit-upto 5`, "-m hashlimit", "needs --hashlimit-name", false},
		{IPv4, `-m hashlimit --hashlimit-upto 5 --hashlimit-name a --hashlimit-burst 1000001`, "1000001", "out of range", false},
		{IPv4, `-m hashlimit --hashlimit-upto 5/fortnight --hashlimit-name a`, "5/fortnight", "bad rate unit", false},
		{IPv4, `-m hashlimit --hashlimit-upto 5kb/s --hashlimit-burst 10b --hashlimit-name a`, "--hashlimit-burst", "cannot be smaller", false},
		{IPv4, `-m policy --dir sideways`, "sideways", "bad --dir", false},
		{IPv4, `-m policy --dir in --pol maybe`, "maybe", "bad --pol", false},
		{IPv4, `-m policy --dir in --pol ipsec --proto esp`, "--proto", "not translated", true},
		{IPv4, `-m policy --dir in --pol ipsec --strict --reqid 1`, "--strict", "not translated", true},
	} {
		wantParseError(t, c.fam, c.args, c.arg, c.reason, c.unsup)
	}
}

// TestRestTranslate checks the canonical form (as iptables-nft-save 1.8.9
// prints these rules), the text iptables-translate prints, and, where nft
// reads that text differently, the exact text and its warning.
func TestRestTranslate(t *testing.T) {
	for _, c := range []struct {
		fam   Family
		args  string
		save  string // String(), as iptables-nft-save prints it
		text  string // Translation.Text()
		exact string // Translation.NftText() when it differs from text
	}{
		{IPv4, `-j AUDIT --type drop`, `-j AUDIT --type drop`, `counter log level audit`, ``},
		{IPv4, `-p tcp -j SYNPROXY --mss 1460 --wscale 7 --timestamp --sack-perm`,
			`-p tcp -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460`,
			`ip protocol tcp counter synproxy sack-perm timestamp wscale 7 mss 1460`, ``},
		{IPv4, `-p tcp -j SYNPROXY`, `-p tcp -j SYNPROXY`, `ip protocol tcp counter synproxy`, ``},
		{IPv4, `-j TEE --gateway 1.2.3.4`, `-j TEE --gateway 1.2.3.4`, `counter dup to 1.2.3.4`, ``},
		{IPv6, `-j TEE --gateway ab12:00a1:1112:acba::`, `-j TEE --gateway ab12:a1:1112:acba::`, `counter dup to ab12:a1:1112:acba::`, ``},
		{IPv6, `-j TOS --set-tos 0x1f`, `-j TOS --set-tos 0x1f/0xff`, `counter ip6 dscp set 0x07`, `counter @nh,4,8 set 0x1f`},
		{IPv4, `-j TOS --set-tos 0x1f`, `-j TOS --set-tos 0x1f/0xff`, `counter ip6 dscp set 0x07`, `counter ip dscp set 0x07 ip ecn set 3`},
		{IPv6, `-j TOS --set-tos 0x10/0xfc`, `-j TOS --set-tos 0x10/0xfc`, `counter ip6 dscp set ip6 dscp and 0x00 xor 0x04`, `counter ip6 dscp set 0x04`},
		{IPv4, `-j TOS --set-tos Minimize-Delay`, `-j TOS --set-tos 0x10/0x3f`, ``, ``},
		{IPv4, `-j TOS --and-tos 0x12`, `-j TOS --set-tos 0x00/0xed`, ``, ``},
		{IPv4, `-j TOS --or-tos 0x12`, `-j TOS --set-tos 0x12/0x12`, ``, ``},
		{IPv6, `-j TOS --xor-tos 0x12`, `-j TOS --set-tos 0x12/0x00`, ``, ``},
		{IPv4, `-m statistic --mode nth --every 10 --packet 1`, `-m statistic --mode nth --every 10 --packet 1`, `numgen inc mod 10 1 counter`, ``},
		{IPv4, `-m statistic --mode nth ! --every 10 --packet 1`, `-m statistic --mode nth ! --every 10 --packet 1`, `numgen inc mod 10 != 1 counter`, ``},
		{IPv4, `-m statistic --mode random --probability 0.1`, `-m statistic --mode random --probability 0.10000000009`,
			`meta random & 2147483647 < 214748365 counter`, ``},
		{IPv4, `-m statistic --mode random ! --probability 0.5`, `-m statistic --mode random ! --probability 0.50000000000`,
			`meta random & 2147483647 >= 1073741824 counter`, ``},
		{IPv4, `-m connbytes --connbytes 200 --connbytes-dir original --connbytes-mode packets`,
			`-m connbytes --connbytes 200 --connbytes-mode packets --connbytes-dir original`, `ct original packets ge 200 counter`, ``},
		{IPv4, `-m connbytes ! --connbytes 200:600 --connbytes-dir both --connbytes-mode avgpkt`,
			`-m connbytes ! --connbytes 200:600 --connbytes-mode avgpkt --connbytes-dir both`, `ct avgpkt != 200-600 counter`, `xt match connbytes counter`},
		{IPv4, `-m connbytes --connbytes 200:200 --connbytes-dir reply --connbytes-mode bytes`,
			`-m connbytes --connbytes 200:200 --connbytes-mode bytes --connbytes-dir reply`, `ct reply bytes 200 counter`, ``},
		{IPv4, `-m connbytes ! --connbytes 5:5 --connbytes-dir both --connbytes-mode bytes`,
			`-m connbytes --connbytes 5:5 --connbytes-mode bytes --connbytes-dir both`, `ct bytes 5 counter`, ``},
		{IPv4, `-m connbytes --connbytes :600 --connbytes-dir both --connbytes-mode bytes`,
			`-m connbytes --connbytes 0:600 --connbytes-mode bytes --connbytes-dir both`, `ct bytes 0-600 counter`, `xt match connbytes counter`},
		{IPv4, `-m connbytes ! --connbytes 0:600 --connbytes-dir both --connbytes-mode bytes`,
			`-m connbytes ! --connbytes 0:600 --connbytes-mode bytes --connbytes-dir both`, `ct bytes != 0-600 counter`, ``},
		{IPv4, `-p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff`,
			`-p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff`, ``, ``},
		{IPv4, `-p udp -j TPROXY --on-ip 10.0.0.1 --on-port 0`, `-p udp -j TPROXY --on-port 0 --on-ip 10.0.0.1 --tproxy-mark 0x0/0x0`, ``, ``},
		{IPv4, `-p udp -j TPROXY --on-port 1 --tproxy-mark 5`, `-p udp -j TPROXY --on-port 1 --on-ip 0.0.0.0 --tproxy-mark 0x5/0xffffffff`, ``, ``},
		{IPv6, `-p tcp -j TPROXY --on-port 1 --on-ip dead::beef`, `-p tcp -j TPROXY --on-port 1 --on-ip dead::beef --tproxy-mark 0x0/0x0`, ``, ``},
		{IPv4, `-m policy --pol ipsec --dir in`, `-m policy --dir in --pol ipsec`, `meta secpath exists counter`, ``},
		{IPv6, `-m policy --dir in`, `-m policy --dir in --pol ipsec`, `meta secpath exists counter`, ``},
		{IPv4, `-m policy --pol none --dir in`, `-m policy --dir in --pol none`, `meta secpath missing counter`, ``},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if got := r.String(); got != c.save {
			t.Errorf("%s: String() = %q, want %q", c.args, got, c.save)
		}
		again, err := ParseString(c.fam, r.String())
		if err != nil || again.String() != c.save {
			t.Errorf("%s: canonical form does not parse back to itself: %v", c.args, err)
		}
		tr, err := r.Translate()
		if c.text == "" {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: Translate() = %v, want an error wrapping ErrUnsupported", c.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: Text() = %q, want %q", c.args, got, c.text)
		}
		wantExact := c.exact
		if wantExact == "" {
			wantExact = c.text
		}
		if got := tr.NftText(); got != wantExact {
			t.Errorf("%s: NftText() = %q, want %q", c.args, got, wantExact)
		}
		if w := tr.Warnings(); (len(w) > 0) != (c.exact != "") {
			t.Errorf("%s: warnings %q, want them only when the text is not exact", c.args, w)
		}
	}
}
