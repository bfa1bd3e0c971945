package rule

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The expected outputs were checked against iptables-translate 1.8.9.
func TestCommandTranslate(t *testing.T) {
	cases := []struct {
		fam  Family
		line string
		want string
	}{
		{IPv4, `-F -t nat`, `nft flush table ip nat`},
		{IPv4, `-F`, `nft flush table ip filter`},
		{IPv4, `-F INPUT`, `nft flush chain ip filter INPUT`},
		{IPv4, `-t nat -F POSTROUTING`, `nft flush chain ip nat POSTROUTING`},
		{IPv4, `--flush KILO -t mangle`, `nft flush chain ip mangle KILO`},
		{IPv6, `-F`, `nft flush table ip6 filter`},
		{IPv4, `-N FOO`, `nft add chain ip filter FOO`},
		{IPv4, `-N accept`, `nft add chain ip filter accept`},
		{IPv6, `-t nat --new-chain KILO-NAT`, `nft add chain ip6 nat KILO-NAT`},
		{IPv4, `-X FOO`, `nft delete chain ip filter FOO`},
		{IPv4, `-t raw -X FOO`, `nft delete chain ip raw FOO`},
		{IPv4, `-L`, `nft list table ip filter`},
		{IPv4, `-L INPUT -t nat`, `nft list table ip nat`},
		{IPv4, `-A INPUT -j ACCEPT`, `nft 'add rule ip filter INPUT counter accept'`},
		{IPv4, `-A INPUT -4 -j ACCEPT`, `nft 'add rule ip filter INPUT counter accept'`},
		{IPv6, `-6 -A INPUT -j DROP`, `nft 'add rule ip6 filter INPUT counter drop'`},
		{IPv4, `-I INPUT 2 -j ACCEPT`, `nft 'insert rule ip filter INPUT counter accept'`},
		{IPv4, `-I OUTPUT -p udp -d 8.8.8.8 -j ACCEPT`, `nft 'insert rule ip filter OUTPUT ip protocol udp ip daddr 8.8.8.8 counter accept'`},
		{IPv4, `-A accept -j DROP`, `nft 'add rule ip filter accept counter drop'`},
		{IPv4, `-t nat -A KILO-NAT -j RETURN`, `nft 'add rule ip nat KILO-NAT counter return'`},
	}
	for _, c := range cases {
		args, err := SplitArgs(c.line)
		if err != nil {
			t.Fatal(err)
		}
		cmd, err := ParseCommand(c.fam, args)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		got, err := cmd.Translate()
		if err != nil {
			t.Errorf("%s: translate: %v", c.line, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.line, got, c.want)
		}
	}
}

func TestCommandFields(t *testing.T) {
	cases := []struct {
		line string
		want Command
		rule string
	}{
		{`-I INPUT 3 -s 10.0.0.1 -j DROP`, Command{Op: OpInsert, Table: "filter", Chain: "INPUT", RuleNum: 3}, "-s 10.0.0.1/32 -j DROP"},
		{`-D INPUT 3`, Command{Op: OpDelete, Table: "filter", Chain: "INPUT", RuleNum: 3}, ""},
		{`-D FOO -j ACCEPT -t mangle`, Command{Op: OpDelete, Table: "mangle", Chain: "FOO"}, "-j ACCEPT"},
		{`-P FORWARD DROP`, Command{Op: OpPolicy, Table: "filter", Chain: "FORWARD", Policy: "DROP"}, ""},
		{`-t nat -N X`, Command{Op: OpNewChain, Table: "nat", Chain: "X"}, ""},
	}
	for _, c := range cases {
		args, _ := SplitArgs(c.line)
		cmd, err := ParseCommand(IPv4, args)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		rule := ""
		if cmd.Rule != nil {
			rule = cmd.Rule.String()
		}
		if len(cmd.Rules) != 0 && cmd.Rules[0] != cmd.Rule {
			t.Errorf("%s: Rule is not Rules[0]", c.line)
		}
		// What CommentedOut needs of the rule is not compared.
		cmd.Rule, cmd.Rules, cmd.ruleArgs = nil, nil, nil
		if !reflect.DeepEqual(*cmd, c.want) || rule != c.rule {
			t.Errorf("%s: got %+v rule %q, want %+v rule %q", c.line, *cmd, rule, c.want, c.rule)
		}
	}
}

func TestCommandErrors(t *testing.T) {
	cases := []struct {
		fam         Family
		line        string
		wantErr     string // a substring of the error
		unsupported bool   // the error wraps ErrUnsupported
		atTranslate bool   // parsing succeeds, translating fails
	}{
		{IPv4, `-s 1.2.3.4 -j DROP`, "no command", false, false},
		{IPv4, `-A`, `"-A": option requires a chain name`, false, false},
		{IPv4, `-N`, `"-N": option requires a chain name`, false, false},
		{IPv4, `-A INPUT -A OUTPUT`, "one command per line", false, false},
		{IPv4, `-F -N X`, "one command per line", false, false},
		{IPv4, `-N ACCEPT`, "clash with target name", false, false},
		{IPv4, `-N -foo`, "not allowed to start with", false, false},
		{IPv4, `-N aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, "too long", false, false},
		{IPv4, `-F INPUT -s 1.2.3.4`, `"-s": illegal option with -F`, false, false},
		{IPv4, `-X FOO BAR`, `"BAR": bad argument`, false, false},
		{IPv4, `-N FOO -j DROP`, `"-j": illegal option`, false, false},
		{IPv4, `-I INPUT 0 -j DROP`, `"0": invalid rule number`, false, false},
		{IPv4, `-I INPUT 5x -j DROP`, `"5x": invalid rule number`, false, false},
		{IPv4, `-A INPUT 5 -j DROP`, `"5": unexpected argument`, false, false},
		{IPv4, `-t foo -A INPUT`, `"foo": unknown table`, false, false},
		{IPv4, `-t`, `option requires a table name`, false, false},
		{IPv4, `-6 -A INPUT`, `"-6": does not match the IPv4 family`, false, false},
		{IPv6, `-A INPUT -4`, `"-4": does not match the IPv6 family`, false, false},
		{IPv4, `-t nat -A INPUT -j DROP`, `"nat" table is not intended for filtering`, false, false},
		{IPv4, `-A INPUT -o eth0 -j ACCEPT`, `"-o": can't use -o with INPUT`, false, false},
		{IPv4, `-t nat -I PREROUTING ! -o eth0`, `"-o": can't use -o with PREROUTING`, false, false},
		{IPv6, `-A OUTPUT -i eth0`, `"-i": can't use -i with OUTPUT`, false, false},
		{IPv4, `-t nat -A POSTROUTING -i eth0 -j ACCEPT`, `"-i": can't use -i with POSTROUTING`, false, false},
		{IPv4, `-P FOO DROP`, `"FOO": only built-in chains`, false, false},
		{IPv4, `-P INPUT REJECT`, `"REJECT": policy must be ACCEPT or DROP`, false, false},
		{IPv4, `-P INPUT`, `requires a chain name and a policy`, false, false},
		{IPv4, `-Z`, `"-Z": command not supported`, true, false},
		{IPv4, `-E A B`, `"-E": command not supported`, true, false},
		{IPv4, `-P INPUT DROP`, `"-P": translation not implemented`, true, true},
		{IPv4, `-D INPUT -s 1.2.3.4 -j DROP`, `"-D": translation not implemented`, true, true},
		{IPv4, `-X`, `"-X": without a chain name`, true, true},
	}
	for _, c := range cases {
		args, _ := SplitArgs(c.line)
		cmd, err := ParseCommand(c.fam, args)
		if c.atTranslate {
			if err != nil {
				t.Errorf("%s: parse: %v", c.line, err)
				continue
			}
			var out string
			out, err = cmd.Translate()
			if out != "" {
				t.Errorf("%s: printed %q along with an error", c.line, out)
			}
		}
		if err == nil {
			t.Errorf("%s: no error, want %q", c.line, c.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %q, want it to contain %q", c.line, err, c.wantErr)
		}
		if got := errors.Is(err, ErrUnsupported); got != c.unsupported {
			t.Errorf("%s: errors.Is(err, ErrUnsupported) = %v, want %v", c.line, got, c.unsupported)
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v is not a *ParseError", c.line, err)
		}
	}
}
