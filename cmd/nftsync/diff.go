package main

import (
	"fmt"
	"io"

	"github.com/nftsync/nftsync/firewall"
	"github.com/spf13/cobra"
)

func newDiffCmd() *cobra.Command {
	var (
		flags  commonFlags
		input  inputFlags
		output outputFlag
	)
	cmd := &cobra.Command{
		Use:   "diff [-4 FILE] [-6 FILE]",
		Short: "Show what apply would change, changing nothing",
		Long: `diff reads the same files as apply and prints the changes apply would make,
grouped by family, table and chain, as iptables-save style lines:

  + -N CHAIN          chain to create
  - -X CHAIN          chain to delete
  ~ -P CHAIN POLICY   new policy of a built-in chain
  + -A CHAIN RULE     rule to add
  - -A CHAIN RULE     rule to delete

Exit status: 0 when there is nothing to change, 2 when there are changes,
1 on error.`,
		Example: `  nftsync diff -4 examples/kilo.rules.v4 -6 examples/kilo.rules.v6 --owner kilo
  nftsync diff -4 rules.v4 --output json | jq '.changes | length'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			rs, err := input.load(cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, _, err := flags.open(cmd, "reading the firewall", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			plan, err := c.PlanRuleset(rs)
			if err != nil {
				return explain(err, "reading the firewall")
			}
			if output.format == "json" {
				err = writePlanJSON(cmd.OutOrStdout(), target{flags.target.owner, c.Backend()}, plan)
			} else {
				err = writePlanText(cmd.OutOrStdout(), plan)
			}
			if err != nil {
				return fmt.Errorf("writing the plan: %w", err)
			}
			if !plan.Empty() {
				return exitCodeError(2)
			}
			return nil
		},
	}
	flags.register(cmd.Flags())
	input.register(cmd.Flags(), true)
	output.register(cmd.Flags())
	return cmd
}

// groupChanges orders the plan's changes by family and table, then by
// chain, each group in the order the chain first appears in the plan; the
// order of changes within a chain is kept.
func groupChanges(plan *firewall.Plan) []firewall.Change {
	type key struct {
		fam          string
		table, chain string
	}
	var tables []key
	chains := map[key][]key{}
	byChain := map[key][]firewall.Change{}
	for _, ch := range plan.Changes {
		t := key{fam: ch.Family.String(), table: ch.Table}
		k := key{fam: t.fam, table: ch.Table, chain: ch.Chain}
		if _, ok := chains[t]; !ok {
			tables = append(tables, t)
			chains[t] = nil
		}
		if _, ok := byChain[k]; !ok {
			chains[t] = append(chains[t], k)
		}
		byChain[k] = append(byChain[k], ch)
	}
	var out []firewall.Change
	for _, t := range tables {
		for _, k := range chains[t] {
			out = append(out, byChain[k]...)
		}
	}
	return out
}

// writePlanText prints the plan as "# FAMILY TABLE" headers followed by
// +/-/~ lines; nothing at all for an empty plan.
func writePlanText(w io.Writer, plan *firewall.Plan) error {
	if plan.Empty() {
		return nil
	}
	var last string
	for _, ch := range groupChanges(plan) {
		if h := "# " + ch.Family.String() + " " + ch.Table; h != last {
			if _, err := fmt.Fprintln(w, h); err != nil {
				return err
			}
			last = h
		}
		if _, err := fmt.Fprintln(w, ch.String()); err != nil {
			return err
		}
	}
	return nil
}
