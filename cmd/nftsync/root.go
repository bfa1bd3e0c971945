package main

import "github.com/spf13/cobra"

// newRootCmd builds the nftsync command with all its subcommands; each
// subcommand lives in its own file.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "nftsync",
		Short: "Keep a firewall in a declared state on nftables, written as iptables rules",
		Long: `nftsync keeps the firewall of a host (or of a network namespace) equal to a
declared set of rules written in iptables syntax, and installs them as native
nftables rules over netlink: no iptables, nft or shell is run.

It also translates iptables commands and iptables-save files into nft syntax,
printing exactly what iptables-translate and iptables-restore-translate print.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       readBuildInfo().short(),
	}
	root.SetVersionTemplate("nftsync {{.Version}}\n")
	root.AddCommand(newTranslateCmd(), newVersionCmd())
	addFirewallCommands(root)
	return root
}
