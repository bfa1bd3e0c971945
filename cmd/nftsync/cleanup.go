package main

import (
	"github.com/spf13/cobra"
)

func newCleanupCmd() *cobra.Command {
	var flags commonFlags
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove everything the owner has in the firewall",
		Long: `cleanup deletes the owner's nftables tables. Nothing owned by anyone else is
touched. Running it when there is nothing to remove is not an error.

It needs the nftables backend: the iptables backend knows which rules it owns
only while it runs, so with it use ` + "`nftsync watch --cleanup-on-exit`" + `.`,
		Example: `  nftsync cleanup --owner kilo
  nftsync cleanup --netns blue`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := flags.open(cmd, "changing the firewall", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := needsKernelOwnership(c, "cleanup"); err != nil {
				return err
			}
			return explain(c.CleanUp(), "changing the firewall")
		},
	}
	flags.register(cmd.Flags())
	return cmd
}
