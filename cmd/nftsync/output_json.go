package main

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
)

// jsonSchemaVersion is the "version" of the document list and diff print
// with --output json. It changes only when a field changes meaning or
// goes away; new fields may appear within a version.
const jsonSchemaVersion = 1

// jsonDoc is the one JSON document of list and diff (see README, "JSON
// output"): the same envelope, the same names for the same things, and a
// rule always as its iptables argument list. list fills Chains, diff
// Changes; the other is left out.
type jsonDoc struct {
	Version int           `json:"version"`
	Owner   string        `json:"owner"`
	Backend string        `json:"backend"`
	Chains  *[]jsonChain  `json:"chains,omitempty"`
	Changes *[]jsonChange `json:"changes,omitempty"`
}

// jsonChain is one owned chain with its rules, in order.
type jsonChain struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	// Policy is a built-in chain's policy, "" for a user chain.
	Policy string     `json:"policy,omitempty"`
	Rules  [][]string `json:"rules"`
	// Prepended is how many of Rules, from the first, are ahead of other
	// programs' rules in a built-in chain shared with them (list prints
	// them as -I CHAIN N; firewall.Chain.Head).
	Prepended int `json:"prepended,omitempty"`
}

// jsonChange is one change of a plan.
type jsonChange struct {
	// Op is add, delete (rules), add-chain, delete-chain or policy.
	Op     string `json:"op"`
	Family string `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	// Rule is the rule added or deleted, as its iptables argument list.
	Rule []string `json:"rule,omitempty"`
	// Policy is the new policy of a policy change.
	Policy string `json:"policy,omitempty"`
	// Position is the rule's 0-based index in the chain after the plan
	// (add) or before it (delete).
	Position *int `json:"position,omitempty"`
}

// target is what both documents say about where they come from.
type target struct{ owner, backend string }

func (t target) doc() jsonDoc {
	return jsonDoc{Version: jsonSchemaVersion, Owner: t.owner, Backend: t.backend}
}

func writeJSON(w io.Writer, doc jsonDoc) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// writeRulesetJSON prints the chains of one family, each rule as its
// iptables argument list without "-A CHAIN" (a comment with spaces is one
// argument).
func writeRulesetJSON(w io.Writer, t target, rs *firewall.Ruleset, fam rule.Family) error {
	chains := []jsonChain{}
	for _, c := range rs.Chains {
		if c.Family != fam {
			continue
		}
		jc := jsonChain{Family: fam.String(), Table: c.Table, Chain: c.Name, Policy: c.Policy, Rules: [][]string{}, Prepended: c.Head}
		for _, r := range c.Rules {
			jc.Rules = append(jc.Rules, r.Spec.Args())
		}
		chains = append(chains, jc)
	}
	doc := t.doc()
	doc.Chains = &chains
	return writeJSON(w, doc)
}

// writePlanJSON prints the plan's changes in the order of the text output,
// an empty list for an empty plan.
func writePlanJSON(w io.Writer, t target, plan *firewall.Plan) error {
	changes := []jsonChange{}
	if !plan.Empty() {
		for _, ch := range groupChanges(plan) {
			jc := jsonChange{Op: string(ch.Op), Family: ch.Family.String(), Table: ch.Table, Chain: ch.Chain}
			switch ch.Op {
			case firewall.AddRule, firewall.DeleteRule:
				jc.Rule = ruleArgs(ch.Rule)
				pos := ch.Position
				jc.Position = &pos
			case firewall.SetPolicy:
				jc.Policy = ch.Rule
			}
			changes = append(changes, jc)
		}
	}
	doc := t.doc()
	doc.Changes = &changes
	return writeJSON(w, doc)
}

// ruleArgs splits a rule in iptables-save form into its arguments. A rule
// the engine could only describe (one nftsync did not write, in an owned
// chain) is one argument: its description.
func ruleArgs(s string) []string {
	if strings.HasPrefix(s, "<") {
		return []string{s}
	}
	args, err := rule.SplitArgs(s)
	if err != nil {
		return []string{s}
	}
	return args
}
