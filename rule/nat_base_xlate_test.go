package rule

import (
	"errors"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/rule/xt"
)

// TestNATBaseNoNftText checks that a command whose NAT target has a base
// port fails with ErrNoNftText and the warning, and that CommentedOut
// prints the arguments as iptables-translate prints them
// (cmd/nftsync/translate_nat_base_test.go compares with it).
func TestNATBaseNoNftText(t *testing.T) {
	for _, c := range []struct {
		fam          Family
		line, target string
		out          string // CommentedOut of the line
	}{
		{IPv4, `-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:3000-4000/1000`, "DNAT",
			`nft # -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:3000-4000/1000 `},
		{IPv4, `-t nat -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2,3.3.3.3 -d 4.4.4.4,5.5.5.5 -j SNAT --to-source 1.2.3.4:5-6/7`, "SNAT",
			`nft nft nft # -t nat -A POSTROUTING -p tcp -s 1.1.1.1,2.2.2.2,3.3.3.3 -d 4.4.4.4,5.5.5.5 -j SNAT --to-source 1.2.3.4:5-6/7 `},
		{IPv6, `-t nat -A POSTROUTING ! -o eth0 -p tcp -m comment --comment ! -m tcp ! --dport 5 -j MASQUERADE --to-ports 5-6/7`, "MASQUERADE",
			`nft # -t nat -A POSTROUTING  -o eth0 -p tcp -m comment --comment ! -m tcp  --dport 5 -j MASQUERADE --to-ports 5-6/7 `},
		// The base port comes first, as in iptables' xlate: nft's dnat
		// could not state the inverted range either.
		{IPv4, `-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.9-1.2.3.4:7-9/8`, "DNAT",
			`nft # -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.9-1.2.3.4:7-9/8 `},
	} {
		args, err := SplitArgs(c.line)
		if err != nil {
			t.Fatal(err)
		}
		cmd, err := ParseCommand(c.fam, args)
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		s, warns, err := cmd.TranslateWithWarnings()
		if !errors.Is(err, ErrNoNftText) || s != "" || !strings.Contains(err.Error(), "nft has no statement for a base port") {
			t.Errorf("%s: got %q, %v; want ErrNoNftText", c.line, s, err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "only as the xtables "+c.target+" target, which the kernel loads only in a table named nat") {
			t.Errorf("%s: warnings %q", c.line, warns)
		}
		if _, err := cmd.Translate(); !errors.Is(err, ErrNoNftText) {
			t.Errorf("%s: Translate: %v; want ErrNoNftText", c.line, err)
		}
		if got := cmd.CommentedOut(args); got != c.out {
			t.Errorf("%s: CommentedOut\n got %q\nwant %q", c.line, got, c.out)
		}
		// Installing is what it was: the xtables target, only through
		// placement in iptables' own nat table.
		_, err = cmd.Rule.Translate()
		_, errExprs := cmd.Rule.TranslateExprs()
		if !errors.Is(err, xt.ErrTableBound) || !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNoNftText) || errExprs == nil || err.Error() != errExprs.Error() {
			t.Errorf("%s: Translate: %v; TranslateExprs: %v; want the same refusal, bound to nat", c.line, err, errExprs)
		}
	}
}

// TestNATNoBaseRefused checks that a NAT rule nftsync refuses for another
// reason than a base port stays an error.
func TestNATNoBaseRefused(t *testing.T) {
	cmd, err := ParseCommand(IPv4, []string{"-t", "nat", "-A", "PREROUTING", "-p", "icmp", "-j", "REDIRECT", "--to-ports", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cmd.TranslateWithWarnings(); err == nil || errors.Is(err, ErrNoNftText) || !errors.Is(err, xt.ErrTableBound) {
		t.Errorf("REDIRECT with -p icmp: %v; want the refusal bound to nat", err)
	}
}

// TestRestoreNATBase checks that a restore file's rule with a base port
// is printed as iptables-restore-translate prints it, with a warning
// naming the line.
func TestRestoreNATBase(t *testing.T) {
	in := "*nat\n:POSTROUTING ACCEPT [0:0]\n[1:2] -A POSTROUTING ! -s 10.0.0.0/8 -p udp -m comment --comment \"a b\" -j MASQUERADE --to-ports 1000-2000/1000\nCOMMIT\n"
	out, warns, err := TranslateRestoreWithWarnings(strings.NewReader(in), "rules.v4", IPv4)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n# -t nat -A POSTROUTING  -s 10.0.0.0/8 -p udp -m comment --comment a b -j MASQUERADE --to-ports 1000-2000/1000 \n"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if len(warns) != 1 || !strings.HasPrefix(warns[0], "rules.v4:3: iptables-translate prints the command commented out") {
		t.Errorf("warnings %q", warns)
	}
}
