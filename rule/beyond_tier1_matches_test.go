package rule

import (
	"errors"
	"strings"
	"testing"
)

// TestMoreMatchTranslate checks the text, the text nft must read instead
// (Exact, empty when Text is exact) and the canonical form of the
// extensions beyond tier 1.
func TestMoreMatchTranslate(t *testing.T) {
	cases := []struct {
		fam         Family
		args        string
		text, exact string
		save        string // String(); "" means the input
	}{
		{IPv4, `-p tcp ! --sport 50 ! --dport 80`, `tcp sport != 50 tcp dport != 80 counter`, `tcp sport != 50-50 tcp dport != 80 counter`, `-p tcp -m tcp ! --sport 50 ! --dport 80`},
		{IPv4, `-p udp ! --sport 50 --dport 80`, `udp sport != 50 udp dport 80 counter`, "", `-p udp -m udp ! --sport 50 --dport 80`},
		{IPv4, `-p dccp -m dccp --dport 100 --dccp-types sync,INVALID`, `dccp dport 100 dccp type { sync, 10-15 } counter`, "", `-p dccp -m dccp --dport 100 --dccp-types SYNC,INVALID`},
		{IPv4, `-p dccp -m dccp ! --dccp-types CLOSE`, `dccp type != close counter`, "", ""},
		{IPv4, `-p esp -m esp --espspi 500:600 -j DROP`, `esp spi 500-600 counter drop`, "", ""},
		{IPv4, `-p esp --espspi 0:4294967295`, `meta l4proto esp counter`, "", `-p esp -m esp`},
		{IPv6, `-p esp -m esp --espspi 0:4294967295`, `exthdr esp exists counter`, `meta l4proto esp counter`, `-p esp -m esp`},
		{IPv6, `-p esp -m esp ! --espspi 0:4294967295`, `esp spi != 0-4294967295 counter`, "", ""},
		{IPv4, `-p 51 -m ah ! --ahspi 0x32`, `ah spi != 50 counter`, "", `-p ah -m ah ! --ahspi 50`},
		{IPv6, `-m ah --ahspi 500 ! --ahlen 120 --ahres`, `ah spi 500 ah hdrlength != 120 ah reserved 1 counter`, `ah spi 500 ah hdrlength != 28 ah reserved 0 counter`, ""},
		{IPv6, `-m ah`, `exthdr ah exists counter`, `meta l4proto ah counter`, ""},
		{IPv4, `-m ipcomp --ipcompspi 0x12`, `comp cpi 18 counter`, "", `-m ipcomp --ipcompspi 18`},
		{IPv6, `-p mh --mh-type hoti:bu -j ACCEPT`, `mh type 1-5 counter accept`, "", `-p mobility-header -m mh --mh-type 1:5 -j ACCEPT`},
		{IPv6, `-m mh --mh-type 0:255`, `exthdr mh exists counter`, "", `-m mh`},
		{IPv6, `-m frag --fragid 100:200 --fragfirst --fraglast`, `frag id 100-200 frag frag-off 0 frag more-fragments 0 counter`, "", ""},
		{IPv6, `-m frag --fragid 0:4294967295`, `exthdr frag exists counter`, "", `-m frag`},
		{IPv6, `-m hbh --hbh-len 8`, `hbh hdrlength 8 counter`, `hbh hdrlength 0 counter`, ""},
		{IPv6, `-m hbh`, `exthdr hbh exists counter`, "", ""},
		{IPv6, `-m rt ! --rt-segsleft 0:4294967295`, `rt seg-left != 0-4294967295 counter`, `rt seg-left != 0-255 counter`, ""},
		{IPv6, `-m rt --rt-type 0 --rt-segsleft 3 ! --rt-len 16`, `rt type 0 rt seg-left 3 rt hdrlength != 16 counter`, `rt type 0 rt seg-left 3 rt hdrlength != 1 counter`, ""},
		{IPv4, `-m mac ! --mac-source 0a:12:3e:4f:b2:c6`, `ether saddr != 0a:12:3e:4f:b2:c6 counter`, "", `-m mac ! --mac-source 0a:12:3e:4f:b2:c6`},
		{IPv4, `-m owner --uid-owner root --gid-owner 5-10`, `skuid 0 skgid 5-10 counter`, "", `-m owner --uid-owner 0 --gid-owner 5-10`},
		{IPv6, `-m dscp ! --dscp-class ef`, `ip6 dscp != 0x2e counter`, "", `-m dscp ! --dscp 0x2e`},
		{IPv4, `-m ecn ! --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 1`, `ip ecn ect1 tcp flags != ecn tcp flags cwr counter`, `ip ecn ect1 tcp flags & ecn == 0 tcp flags cwr counter`, ""},
		{IPv4, `-m realm --realm 5/5`, `rtclassid and 0x5 == 0x5 counter`, "", `-m realm --realm 0x5/0x5`},
		{IPv4, `-m quota ! --quota 111`, `quota over 111 bytes counter`, "", ""},
	}
	for _, c := range cases {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		tr, err := r.Translate()
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: text\n  got  %s\n  want %s", c.args, got, c.text)
		}
		exact := c.exact
		if exact == "" {
			exact = c.text
		}
		if got := tr.NftText(); got != exact {
			t.Errorf("%s: nft text\n  got  %s\n  want %s", c.args, got, exact)
		}
		if (c.exact != "") != (len(tr.Warnings()) > 0) {
			t.Errorf("%s: warnings %q, want one exactly when the text is not exact", c.args, tr.Warnings())
		}
		save := c.save
		if save == "" {
			save = c.args
		}
		if got := r.String(); got != save {
			t.Errorf("%s: String() = %s, want %s", c.args, got, save)
		}
		// The canonical form parses back to the same rule.
		if back, err := ParseString(c.fam, r.String()); err != nil || !back.Equal(r) {
			t.Errorf("%s: String() does not parse back to the same rule: %v", c.args, err)
		}
	}
}

// TestMoreMatchUnsupported checks that options whose corpus text means
// something else in nft, and which have no exact text, are not installed
// natively: they install the xt match (kernel_xt_fallback_test.go).
func TestMoreMatchUnsupported(t *testing.T) {
	for _, c := range []struct {
		fam  Family
		args string
	}{
		{IPv4, `-m ipcomp`}, // a 32-bit CPI range nft refuses
		{IPv4, `-m ipcomp --ipcompspi 1:70000`},
	} {
		r, err := ParseString(c.fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		tr, err := r.Translate()
		if err != nil || !tr.Compat() {
			t.Errorf("%s: %v; want the xt match installed", c.args, err)
		}
	}
}

func TestMoreMatchParseErrors(t *testing.T) {
	for _, c := range []struct {
		fam    Family
		args   string
		reason string
	}{
		{IPv4, `-m frag --fragid 1`, "ip6tables match"},
		{IPv4, `-m rt`, "ip6tables match"},
		{IPv4, `-m hbh`, "ip6tables match"},
		{IPv4, `-m mh`, "ip6tables match"},
		{IPv4, `-m ah --ahlen 8`, "unknown option"},
		{IPv6, `-m ah --ahspi 5 --ahspi 6`, "only be given once"},
		{IPv6, `-m ah ! --ahres`, "cannot be negated"},
		{IPv4, `-p esp --espspi 9:1`, "inverted"},
		{IPv4, `-p esp --espspi 4294967296`, "32 bits"},
		{IPv6, `-m mh --mh-type 256`, "8 bits"},
		{IPv6, `-m mh --mh-type nope`, "not a number"},
		{IPv6, `-m rt --rt-type x`, "not a number"},
		{IPv6, `-m frag ! --fragmore`, "cannot be negated"},
		{IPv4, `-m mac --mac-source 0a:12:3e:4f:b2`, "not an Ethernet address"},
		{IPv4, `-m mac`, "needs --mac-source"},
		{IPv4, `-m owner --uid-owner nobody`, "not a numeric user"},
		{IPv4, `-m owner --gid-owner 9-1`, "inverted"},
		{IPv4, `-m owner`, "needs --uid-owner"},
		{IPv4, `-m dscp --dscp 64`, "at most 63"},
		{IPv4, `-m dscp --dscp-class xx`, "unknown DSCP class"},
		{IPv4, `-m ecn --ecn-ip-ect 4`, "at most 3"},
		{IPv4, `-m ecn`, "needs --ecn-ip-ect"},
		{IPv6, `-m realm --realm 1`, "IPv4"},
		{IPv4, `-m realm --realm cosmos`, "not a numeric realm"},
		{IPv4, `-m quota --quota -1`, "not a number"},
		{IPv4, `-m quota`, "needs --quota"},
		{IPv4, `-p dccp --dccp-types CLOSE,BYE`, "unknown DCCP packet type"},
		{IPv4, `-p udp -m dccp --dport 1`, "needs -p dccp"},
	} {
		_, err := ParseString(c.fam, c.args)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: error %v, want a ParseError saying %q", c.args, err, c.reason)
		}
	}
}
