package main

import (
	"github.com/spf13/cobra"
)

func newApplyCmd() *cobra.Command {
	var (
		flags commonFlags
		input inputFlags
	)
	cmd := &cobra.Command{
		Use:   "apply [-4 FILE] [-6 FILE]",
		Short: "Make the owned firewall state equal the given iptables-save files",
		Long: `apply reads IPv4 and IPv6 rules in iptables-save / iptables-restore format and
makes the owner's state equal them (with the nftables backend in one atomic
transaction): rules and chains that are not in the files are removed, missing
ones are added, rules keep the order of the files. Rules are compared by
meaning, not by text.

The files are the whole desired state: a family without a file ends up with
no rules. A bad file is reported as FILE:LINE and nothing is changed.

With --backend iptables the rules go into iptables' own chains. What the
owner has there is recorded in --state-dir (default /run/nftsync), so a
later run removes the owner's rules that left the files and no one else's,
even where someone else has an equal rule.

With --placement filter (nftables backend) the filter chains go into
iptables-nft's own tables instead, where an ACCEPT is final under a
FORWARD policy DROP; they are written as iptables-nft writes them, so
iptables-nft-save keeps reading them.

In a built-in chain other programs also use (with --backend iptables or
--placement), a file's -I rules go ahead of their rules and its -A rules
after them, as iptables-restore --noflush leaves them.

Some extensions run only in a table of their name (-j TTL, HL, TOS, ECN,
TCPOPTSTRIP, CHECKSUM, TPROXY in mangle, -j NETMAP in nat, -j CT with
options in raw, -m rpfilter in raw or mangle, ...), never in the owner's
OWNER-TABLE tables. The nftables backend then places that table of that
family automatically: its chains move into iptables-nft's own table (as
with --placement) in the same transaction, and move back once no rule
needs it. --placement none (or --auto-placement=false) turns this off:
such rules are then refused.`,
		Example: `  # Apply Kilo's rules for both families into tables kilo-nat, kilo-filter
  nftsync apply --owner kilo -4 examples/kilo.rules.v4 -6 examples/kilo.rules.v6

  # Kilo's FORWARD accepts in iptables' own FORWARD (Docker's policy DROP)
  nftsync apply --owner kilo --placement filter -4 examples/kilo.rules.v4 -6 examples/kilo.rules.v6

  # Refuse rules that would need iptables' own tables instead of placing them
  nftsync apply --placement none -4 rules.v4

  # Read IPv4 rules from stdin, inside the network namespace "blue"
  generate-rules | nftsync apply --netns blue -4 -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := input.load(cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, _, err := flags.open(cmd, "changing the firewall", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			return explain(c.SetRuleset(rs), "changing the firewall")
		},
	}
	flags.register(cmd.Flags())
	input.register(cmd.Flags(), true)
	return cmd
}
