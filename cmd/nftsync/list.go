package main

import (
	"fmt"

	"github.com/nftsync/nftsync/iptsave"
	"github.com/nftsync/nftsync/rule"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	var (
		flags  commonFlags
		output outputFlag
		ipv6   bool
	)
	cmd := &cobra.Command{
		Use:   "list [-6]",
		Short: "Print the owned state, read from the kernel, in iptables-save format",
		Long: `list reads the owner's chains and rules from the kernel (not from any cache)
and prints them in iptables-save format, IPv4 by default, IPv6 with -6.
Feeding the output back to apply changes nothing. With --backend iptables it
lists the owner's chains and rules in iptables' own tables, as recorded in
--state-dir by earlier runs (foreign rules in built-in chains are left out).
In a built-in chain shared with other programs' rules (--backend iptables,
--placement), the owner's rules ahead of theirs print as -I CHAIN N, the
others as -A, so that applying the output on another host puts them in the
same places.`,
		Example: `  nftsync list --owner kilo
  nftsync list -6 --owner kilo --output json

  # Save both families and restore them later
  nftsync list > rules.v4 && nftsync list -6 > rules.v6
  nftsync apply -4 rules.v4 -6 rules.v6`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			fam := rule.IPv4
			if ipv6 {
				fam = rule.IPv6
			}
			c, _, err := flags.open(cmd, "reading the firewall", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			rs, err := c.Current()
			if err != nil {
				return explain(err, "reading the firewall")
			}
			if output.format == "json" {
				err = writeRulesetJSON(cmd.OutOrStdout(), target{flags.target.owner, c.Backend()}, rs, fam)
			} else {
				err = iptsave.Write(cmd.OutOrStdout(), rs, fam)
			}
			if err != nil {
				return fmt.Errorf("writing the rules: %w", err)
			}
			return nil
		},
	}
	flags.register(cmd.Flags())
	output.register(cmd.Flags())
	cmd.Flags().BoolVarP(&ipv6, "ipv6", "6", false, "list the IPv6 state instead of IPv4")
	return cmd
}
