package rule

import (
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule/xt"
)

// TestXtMatchesParse checks the canonical form of the xt-only matches
// (as iptables-save prints it; the kernel test checks it against
// iptables-nft-save), that it parses back to itself, and what is refused.
func TestXtMatchesParse(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args, want string // want: the canonical form, or "error: SUBSTRING"
	}{
		{IPv4, "-m time --weekdays Monday,Su", "-m time --weekdays Mon,Sun --datestop 2038-01-19T03:14:07"},
		{IPv4, "-m time --datestart 2021- --timestop 1:2", "-m time --timestart 00:00:00 --timestop 01:02:00 --datestart 2020-12-01T00:00:00 --datestop 2038-01-19T03:14:07"},
		{IPv4, "-m time --utc --monthdays 07,31,", "-m time --monthdays 7,31 --datestop 2038-01-19T03:14:07"},
		{IPv4, "-m time --monthdays 08", "error: not a day of the month"},
		{IPv4, "-m time --weekdays 0", "error: not a day of the week"},
		{IPv4, "-m time --utc --kerneltz", "error: other timezone"},
		{IPv4, "-m time --timestart 1:00 --timestop 2:00 --contiguous", "error: --contiguous"},
		{IPv4, "-m time ! --weekdays 1,2,3,4,5,6,7", "error: no day"},
		{IPv4, "-m time --datestart 1969", "error: invalid date"},
		{IPv4, "-m time ! --datestart 2000", "error: cannot be negated"},
		{IPv4, "-m tos --tos normal-service", "-m tos --tos 0x00/0x3f"},
		{IPv6, "-m tos --tos 0x100", "error: at most 255"},
		{IPv4, "-m physdev --physdev-is-bridged ! --physdev-in a+ --physdev-is-in", "-m physdev --physdev-is-in ! --physdev-in a+ --physdev-is-bridged"},
		{IPv4, "-m physdev", "error: needs a --physdev option"},
		{IPv4, "-m string --hex-string '|41||42|' --algo bm", `-m string --string "A|42" --algo bm`},
		{IPv4, `-m string --string 'x\' --algo bm`, `-m string --hex-string "|785c|" --algo bm`},
		{IPv4, "-m string --string a --algo bm --icase --icase", "error: only be given once"},
		{IPv4, "-m string --string '' --algo bm", "error: empty pattern"},
		{IPv4, "-m string --string a --algo fsm", "error: not a string search algorithm"},
		{IPv4, "-m string --string a", "error: needs --algo"},
		{IPv4, "-m string --hex-string '|4|' --algo bm", "error: invalid hex"},
		{IPv4, "-m string --string a --hex-string b --algo bm", "error: one of --string"},
		{IPv4, "-m string --string a --algo bm --from 10 --to 9", "error: beyond --to"},
		{IPv4, "-m u32 --u32 '6&0xFF=1:3,017&&4<<8=+5'", `-m u32 --u32 "0x6&0xff=0x1:0x3,0xf&&0x4<<0x8=0x5"`},
		{IPv4, "-m u32 --u32 '1= 2 : 3'", `-m u32 --u32 "0x1=0x2:0x3"`},
		{IPv4, "-m u32 --u32 0x=1", "error: operator expected"},
		{IPv4, "-m connlabel --set --label 010", `-m connlabel --label "8" --set`},
		{IPv4, "-m connlabel --label 128", "error: from 0 to 127"},
		{IPv4, "-m connlabel --label eth-up", "error: label names"},
		{IPv4, "-m connlabel --set", "error: needs --label"},
		{IPv4, "-m socket --transparent --transparent", "error: only be given once"},
		{IPv4, "-m recent --rcheck", "-m recent --rcheck --name DEFAULT --mask 255.255.255.255 --rsource"},
		{IPv6, "-m recent --rdest --update --hitcount 65535", "-m recent --update --hitcount 65535 --name DEFAULT --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rdest"},
		{IPv4, "-m recent --set --seconds 5", "error: not --set or --remove"},
		{IPv4, "-m recent --rcheck --reap", "error: needs --seconds"},
		{IPv4, "-m recent --update --hitcount 65536", "error: at most 65535"},
		{IPv4, "-m recent --rcheck --name a/b", "error: not a list name"},
		{IPv4, "-m recent --rcheck --rttl --rttl", "error: only be given once"},
		{IPv4, "-m recent --rcheck --mask 1.2.3.4/8", "error: not an IPv4 address"},
		{IPv4, "-m recent --rcheck --seconds 0", "error: at least 1"},
		{IPv4, "-m recent --set --rcheck", "error: only one of"},
		{IPv4, "-m recent --rttl", "error: needs one of"},
		{IPv6, "-m ipv6header --header 255,0", "-m ipv6header --header hop-by-hop,protocol"},
		{IPv6, "-m ipv6header --header tcp", "error: not an IPv6 extension header"},
		{IPv6, "-m ipv6header --header ,", "error: names no header"},
		{IPv6, "-m ipv6header --soft", "error: needs --header"},
		{IPv4, "-m ipv6header --header hop", "error: IPv6 match"},
		{IPv6, "-m srh --srh-hdr-len-lt 9 --srh-hdr-len-gt 5", "-m srh --srh-hdr-len-gt 5 --srh-hdr-len-lt 5"},
		{IPv6, "-m srh --srh-psid 2001:db8::1/64", "-m srh --srh-psid 2001:db8::1/64"},
		{IPv6, "-m srh --srh-psid 10.0.0.1", "error: not an IPv6 address"},
		{IPv6, "-m srh --srh-tag 65536", "error: at most 16 bits"},
		{IPv6, "-m srh", "error: needs an --srh option"},
		{IPv4, "-m bpf --bytecode '2, 6 0 0 1 ,6 0 0 0,'", `-m bpf --bytecode "2,6 0 0 1,6 0 0 0"`},
		{IPv4, "-m bpf --bytecode '2,6 0 0 1'", "error: its length says 2"},
		{IPv4, "-m bpf --bytecode '0,'", "error: zero instructions"},
		{IPv4, "-m bpf --bytecode 6", "error: start with its length"},
		{IPv4, "-m bpf --bytecode '1,6 0 256 1'", "error: not a number of 8 bits"},
		{IPv4, "-m bpf --object-pinned /sys/fs/bpf/x", "error: file descriptor"},
		{IPv4, "-p tcp -m osf --log 0 ! --genre Linux", "-p tcp -m osf ! --genre Linux --log 0"},
		{IPv4, "-p tcp -m osf --genre Linux --ttl 3", "error: 0, 1 or 2"},
		{IPv4, "-p tcp -m osf --genre 'a b'", "error: not a genre"},
		{IPv6, "-p tcp -m osf --genre Linux", "error: IPv4 match"},
		{IPv4, "-m nfacct --nfacct-name 'a b'", `-m nfacct --nfacct-name "a b"`},
		{IPv4, "-m nfacct --nfacct-name ''", "error: not an accounting object name"},
		{IPv4, "-m nfacct --nfacct-name 0123456789012345678901234567890123", "error: not an accounting object name"},
		{IPv4, "-m nfacct ! --nfacct-name a", "error: cannot be negated"},
		{IPv4, "-m set --match-set x src", "error: kernel index"},
		{IPv6, "-m hbh --hbh-opts 1:2,5:255,0x7", "-m hbh --hbh-opts 1:2,5,7"},
		{IPv6, "-m hbh --hbh-opts 0:1", "error: PAD0"},
		{IPv6, "-m hbh --hbh-opts 256", "error: from 0 to 255"},
		{IPv6, "-m dst --dst-opts " + strings.Repeat("1,", 16) + "1", "error: more than 16"},
		{IPv6, "-m dst --dst-opts " + strings.Repeat("1,", 15) + "1:2", "error: cannot have a length"},
		{IPv4, "-m dst", "error: is an ip6tables match"},
		{IPv6, "-m addrtype --src-type THROW", "translate error: refuses PROHIBIT, THROW"},
		{IPv4, "-m rateest --rateest-gt --rateest-bps 1mbit --rateest x", "-m rateest --rateest x --rateest-gt --rateest-bps 1000Kbit"},
		{IPv4, "-m rateest --rateest x --rateest-bps --rateest-lt", "-m rateest --rateest x --rateest-lt --rateest-bps 0bit"},
		{IPv4, "-m rateest --rateest x --rateest-bps 1000009bit --rateest-lt", "error: prints rounded"},
		{IPv4, "-m rateest --rateest x --rateest-bps 1 --rateest-pps 1 --rateest-lt", "error: both bps and pps"},
		{IPv4, "-m rateest --rateest x --rateest-bps1 5 --rateest-lt", "error: ignores without --rateest-delta"},
		{IPv4, "-m rateest --rateest1 x --rateest-bps 5 --rateest-lt --rateest2 y", "error: ignores without --rateest-delta"},
		{IPv4, "-m rateest --rateest x --rateest-bps 1 --rateest-lt --rateest-gt", "error: only be given once"},
		{IPv4, "-m rateest --rateest x --rateest-bps 1", "error: needs one of --rateest-eq"},
		{IPv4, "-m rateest --rateest x --rateest-bps 1furlong --rateest-eq", "error: not a rate"},
		{IPv4, "-m rateest --rateest 0123456789abcdef --rateest-bps --rateest-eq", "error: not an estimator name"},
		{IPv4, "-m socket ! --nowildcard", "error: cannot be negated"},
		{IPv4, "-m u32 --u32 1=2&&", "error: abrupt end"},
		{IPv4, "-m u32 --u32 1<2=3", "error: operator expected"},
		{IPv4, "-m u32 --u32 =1", "error: location spec missing"},
		{IPv4, "-m u32 --u32 1=", "error: value spec missing"},
		{IPv4, "-m u32 --u32 1=2&3", "error: second '&'"},
		{IPv4, "-m u32 --u32 1=-2", "error: not a number"},
		{IPv4, "-m u32 --u32 1=0x100000000", "error: out of range"},
		{IPv4, "-m u32 --u32 " + strings.Repeat("1&", 11) + "1=1", "error: too many operators"},
		{IPv4, "-m u32 --u32 " + strings.Repeat("1=1&&", 11) + "1=1", "error: too many \"&&\""},
		{IPv4, "-m physdev --physdev-in a --physdev-in b", "error: only be given once"},
		{IPv4, "-m physdev --physdev-in 0123456789abcdef", "error: longer than 15"},
	} {
		r, err := ParseString(c.fam, c.args)
		if want, isErr := strings.CutPrefix(c.want, "translate error: "); isErr {
			if err == nil {
				_, err = r.Translate()
			}
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: translating: %v, want ErrUnsupported saying %q", c.args, err, want)
			}
			continue
		}
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v, want one saying %q", c.args, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if got := r.String(); !sameArgs(got, c.want) {
			t.Errorf("%s:\n  got  %s\n  want %s", c.args, got, c.want)
		} else if again, err := ParseString(c.fam, got); err != nil || again.String() != got {
			t.Errorf("%s: the canonical form reads back as %v, %v", c.args, again, err)
		}
	}
}

// TestXtMatchesHooks checks the hooks the kernel accepts each match in,
// some of which depend on the match's options.
func TestXtMatchesHooks(t *testing.T) {
	for _, c := range []struct {
		args  string
		hooks xt.Hooks
		ok    bool
	}{
		{"-m physdev --physdev-out x", xt.LocalOut, false},
		{"-m physdev --physdev-is-out ! --physdev-is-bridged", xt.LocalOut, false},
		{"-m physdev --physdev-out x --physdev-is-bridged", xt.LocalOut, true},
		{"-m physdev --physdev-in x", xt.LocalOut, true},
		{"-m physdev --physdev-out x", xt.Forward | xt.PostRouting, true},
		{"-m socket", xt.PreRouting | xt.LocalIn, true},
		{"-m socket --transparent", xt.Forward, false},
		{"-m socket", xt.LocalOut, false},
		{"-m eui64", xt.PreRouting | xt.LocalIn | xt.Forward, true},
		{"-m eui64", xt.PostRouting, false},
		{"-m addrtype --src-type LOCAL --limit-iface-in", xt.LocalOut, false},
		{"-m addrtype --src-type LOCAL --limit-iface-out", xt.LocalIn, false},
		{"-m addrtype --src-type THROW --limit-iface-out", xt.LocalOut | xt.Forward, true},
		{"-p tcp -m osf --genre Linux", xt.Forward, true},
		{"-p tcp -m osf --genre Linux", xt.LocalOut, false},
	} {
		fam := IPv4
		if strings.Contains(c.args, "eui64") {
			fam = IPv6
		}
		r, err := ParseString(fam, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		if err := r.CheckHooks(c.hooks); (err == nil) != c.ok {
			t.Errorf("%s: CheckHooks(%s): %v, want ok=%v", c.args, c.hooks, err, c.ok)
		}
	}
}

// TestXtMatchesProto checks that a match the kernel binds to a protocol is
// refused before anything is applied in a rule without that -p, as the
// kernel refuses it, while it still translates (as iptables-translate
// does).
func TestXtMatchesProto(t *testing.T) {
	for _, c := range []struct {
		args string
		ok   bool
	}{
		{"-m tcpmss --mss 5", false},
		{"-p udp -m tcpmss --mss 5", false},
		{"! -p tcp -m tcpmss --mss 5", false},
		{"-p tcp -m tcpmss --mss 5", true},
		{"-p 6 -m tcpmss --mss 5", true},
		{"-m osf --genre Linux", false},
		{"-p tcp -m osf --genre Linux", true},
		{"-m icmp ! --icmp-type any", false},
		{"-p icmp -m icmp ! --icmp-type any", true},
		{"-m icmp --icmp-type echo-reply", true}, // native: nft needs no -p
	} {
		r, err := ParseString(IPv4, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		if _, err := r.Translate(); err != nil {
			t.Errorf("%s: %v", c.args, err)
		}
		if err := r.CheckHooks(0); (err == nil) != c.ok {
			t.Errorf("%s: CheckHooks: %v, want ok=%v", c.args, err, c.ok)
		}
	}
}
