package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nftsync/nftsync/rule"
	"github.com/spf13/cobra"
)

func newTranslateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "translate [-6] [-t TABLE] (-A|-I) CHAIN RULE... | translate [-6] -f FILE",
		Short: "Print the nft equivalent of an iptables command or iptables-save file",
		Long: `translate prints the nft command for one iptables command, byte for byte what
iptables-translate (ip6tables-translate with -6) prints: -A and -I rules,
-F, -N, -X and -L. With -f it translates a whole iptables-save file as
iptables-restore-translate -f does (FILE "-" reads stdin), without the date
in the comment lines.

The arguments after the options are iptables arguments, not nftsync flags:
they are read exactly as iptables reads them. A rule nftsync cannot translate
is an error naming the argument; nothing is printed on stdout then.

Where nft reads the printed text with another meaning than the iptables
rule's (CONNMARK --set-xmark V/M prints "ct mark xor V and M", which nft
reads as ct mark ^ (V & M)) or cannot read it (an IPv6 address range with
ports), stdout still gets iptables-translate's text, and stderr gets a
warning with the text that keeps the rule's meaning. Where nftsync installs
the xtables extension itself (owner with a negation, connlimit, hashlimit,
...: "xt match NAME" in nft's listing), or cannot install the rule at all
(TPROXY, rpfilter: the kernel loads them only in tables named mangle or
raw), stdout gets iptables-translate's text and stderr says so. A NAT
port range with a base port (DNAT --to-destination 1.2.3.4:3000-4000/1000,
MASQUERADE --to-ports P-Q/BASE) has no nft statement: stdout gets the
command commented out, as iptables-translate prints it, and stderr says
that nftsync installs it only as the xtables target, which runs only
with placement of nat (automatic, or --placement nat).`,
		Example: `  nftsync translate -A INPUT -p tcp --dport 22 -j ACCEPT
  nft 'add rule ip filter INPUT tcp dport 22 counter accept'

  nftsync translate -6 -t nat -A POSTROUTING -s fd00::/8 -j MASQUERADE
  nftsync translate -F -t nat
  iptables-save | nftsync translate -f -`,
		DisableFlagParsing:    true,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
				return cmd.Help()
			}
			out, warns, err := translate(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			for _, w := range warns {
				fmt.Fprintf(cmd.ErrOrStderr(), "nftsync: warning: %s\n", w)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), out)
			return err
		},
	}
}

// translate runs the translate command on its raw arguments and returns
// what to print, and the warnings for stderr.
func translate(args []string, stdin io.Reader) (string, []string, error) {
	fam, file, rest, err := translateOptions(args)
	if err != nil {
		return "", nil, err
	}
	if file == "" {
		cmd, err := rule.ParseCommand(fam, rest)
		if err != nil {
			return "", nil, err
		}
		s, warns, err := cmd.TranslateWithWarnings()
		if errors.Is(err, rule.ErrNoNftText) {
			// No nft text: iptables-translate prints the arguments it
			// was given commented out.
			return cmd.CommentedOut(rest) + "\n", warns, nil
		}
		if err != nil {
			return "", nil, err
		}
		return s + "\n", warns, nil
	}
	if len(rest) > 0 {
		return "", nil, fmt.Errorf("%q: -f FILE takes no other arguments", rest[0])
	}
	if file == "-" {
		return rule.TranslateRestoreWithWarnings(stdin, "stdin", fam)
	}
	f, err := os.Open(file)
	if err != nil {
		return "", nil, fmt.Errorf("reading rules: %w", err)
	}
	defer f.Close()
	return rule.TranslateRestoreWithWarnings(f, file, fam)
}

// translateOptions reads -4/-6 and -f FILE from the options that come
// before the iptables command (-t TABLE may be among them); the rest goes to
// rule.ParseCommand, which also accepts -4/-6 later on the line.
func translateOptions(args []string) (fam rule.Family, file string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "-t" || a == "--table") && i+1 < len(args):
			rest = append(rest, a, args[i+1])
			i++
		case a == "-6" || a == "--ipv6":
			fam = rule.IPv6
		case a == "-4" || a == "--ipv4":
			fam = rule.IPv4
		case a == "-f" || a == "--file":
			if i+1 >= len(args) {
				return fam, "", nil, fmt.Errorf("%q: option requires a file name", a)
			}
			i++
			file = args[i]
		case strings.HasPrefix(a, "--file="):
			file = strings.TrimPrefix(a, "--file=")
		default:
			return fam, file, append(rest, args[i:]...), nil
		}
		if file == "" && (a == "-f" || a == "--file" || strings.HasPrefix(a, "--file=")) {
			return fam, "", nil, errors.New("-f: empty file name")
		}
	}
	return fam, file, rest, nil
}
