package main

import (
	"github.com/spf13/cobra"
)

func newCleanupCmd() *cobra.Command {
	var flags commonFlags
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove everything the owner has in the firewall",
		Long: `cleanup deletes the owner's nftables tables, or with --backend iptables the
owner's rules and chains in iptables' own tables (and gives back the policies
it changed), as recorded in --state-dir by earlier runs. Nothing owned by
anyone else is touched. Running it when there is nothing to remove is not an
error.`,
		Example: `  nftsync cleanup --owner kilo
  nftsync cleanup --netns blue
  nftsync cleanup --backend iptables --owner kilo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := flags.open(cmd, "changing the firewall", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			return explain(c.CleanUp(), "changing the firewall")
		},
	}
	flags.register(cmd.Flags())
	flags.registerWait(cmd.Flags())
	return cmd
}
