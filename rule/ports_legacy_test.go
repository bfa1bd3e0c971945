package rule

import (
	"bufio"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// portSpellings are port arguments of tcp, udp, sctp, dccp and multiport
// whose reading differs by extension in libxtables: base-0 numbers and
// names of the rule's protocol (tcp, sctp, multiport), decimal numbers
// and tcp-or-udp names (udp, dccp), inverted ranges (refused by tcp, sctp
// and multiport only), sctp chunk lists.
var portSpellings = []string{
	"-p tcp -m tcp --dport 0x50", "-p tcp -m tcp --dport 010", "-p tcp -m tcp --sport 5:http",
	"-p tcp -m tcp --dport bootps", "-p tcp -m tcp --dport HTTP", "-p tcp -m tcp --dport 80:22",
	"-p udp -m udp --dport 0x50", "-p udp -m udp --dport 010", "-p udp -m udp --dport bootps",
	"-p udp -m udp --dport http:", "-p udp -m udp ! --sport 80:22", "-p udp -m udp --dport :",
	"-p sctp -m sctp --dport http", "-p sctp -m sctp --dport 010", "-p sctp -m sctp --dport 80:22",
	"-p dccp -m dccp --dport domain", "-p dccp -m dccp --dport 80:22", "-p dccp -m dccp --dccp-option 0",
	"-p tcp -m multiport --dports 010,0x10,ssh", "-p udp -m multiport --dports bootps,http",
	"-p dccp -m multiport --dports http", "-p sctp -m multiport --dports 22:80,22",
	"-p sctp -m sctp --chunk-types any DATA:Bb,DATA:e,INIT:", "-p sctp -m sctp ! --chunk-types only ALL",
	"-p sctp -m sctp --chunk-types all ASCONF,ASCONF_ACK", "-p sctp -m sctp --chunk-types any ALL,DATA",
	"-p sctp -m sctp --chunk-types only I_DATA:I,SHUTDOWN_COMPLETE:t", "-p tcp -m tcp --dport 0:65535 --syn",
	"-p dccp -m dccp --sport 0:65535 --dccp-types INVALID,REQUEST",
}

// TestPortSpellingsAsLegacy adds each rule with iptables-legacy: nftsync
// must accept exactly the rules it accepts, and print them as
// iptables-legacy-save does. (Not "! --sport 0:65535" of tcp or udp,
// which iptables-save prints without its "!", as a rule that matches every
// packet: nftsync keeps it.)
func TestPortSpellingsAsLegacy(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-legacy")
	ns := netnstest.New(t)
	for _, args := range portSpellings {
		ns.Exec("iptables-legacy", "-F", "INPUT")
		argv, err := SplitArgs(args)
		if err != nil {
			t.Fatal(err)
		}
		_, legacyErr := ns.TryExec("iptables-legacy", append([]string{"-A", "INPUT"}, argv...)...)
		r, err := ParseString(IPv4, args)
		switch {
		case legacyErr != nil && err == nil:
			t.Errorf("%s: iptables-legacy refuses it (%v), nftsync accepts it as %s", args, legacyErr, r)
		case legacyErr == nil && err != nil:
			t.Errorf("%s: iptables-legacy accepts it, nftsync refuses it: %v", args, err)
		case legacyErr == nil:
			if want := savedRule(ns.Exec("iptables-legacy-save"), "INPUT"); "-A INPUT "+r.String() != want {
				t.Errorf("%s: nftsync prints\n  -A INPUT %s\niptables-legacy-save\n  %s", args, r, want)
			}
		}
	}
}

// TestParseServices reads services(5) lines as getservbyname does: the
// first line of a name and protocol wins, aliases count, comments do not.
func TestParseServices(t *testing.T) {
	db := parseServices(bufio.NewScanner(strings.NewReader(`
# comment
http	80/tcp	www	# WorldWideWeb HTTP
http	8080/tcp
bootps	67/udp
bad	x/tcp
`)))
	for _, c := range []struct {
		proto, name string
		port        uint16
		ok          bool
	}{{"tcp", "http", 80, true}, {"tcp", "www", 80, true}, {"udp", "http", 0, false}, {"udp", "bootps", 67, true}, {"tcp", "bad", 0, false}, {"tcp", "HTTP", 0, false}} {
		if got, ok := db[c.proto][c.name]; got != c.port || ok != c.ok {
			t.Errorf("%s/%s: %d %v, want %d %v", c.name, c.proto, got, ok, c.port, c.ok)
		}
	}
}
