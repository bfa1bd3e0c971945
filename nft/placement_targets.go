package nft

import (
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// The targets of a placed rule, as iptables-nft 1.8.9 writes them: the
// standard verdicts and jumps native, the others as xtables targets at
// the revisions it picks.

// placedTarget appends the verdict or target iptables-nft writes.
func placedTarget(out []expr.Any, r *rule.Rule) ([]expr.Any, error) {
	t := r.Target
	switch v := t.(type) {
	case nil:
		return out, nil
	case *rule.Verdict:
		var k expr.VerdictKind
		switch v.Kind {
		case "ACCEPT":
			k = expr.VerdictAccept
		case "DROP":
			k = expr.VerdictDrop
		case "RETURN":
			k = expr.VerdictReturn
		default:
			return nil, fmt.Errorf("-j %s has no iptables-nft encoding", v.Kind)
		}
		return append(out, &expr.Verdict{Kind: k}), nil
	case *rule.Jump:
		k := expr.VerdictJump
		if v.Goto {
			k = expr.VerdictGoto
		}
		return append(out, &expr.Verdict{Kind: k, Chain: v.Chain}), nil
	case *rule.Log:
		if len(v.Prefix) > xt.LogPrefixMax {
			return nil, fmt.Errorf("-j LOG: a prefix of %d bytes; xt_LOG holds at most %d", len(v.Prefix), xt.LogPrefixMax)
		}
		x, err := xt.LogTarget.Expr(xt.Log{Level: v.Level, Flags: v.Flags, Prefix: v.Prefix}.Marshal())
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Trace:
		// Native, as iptables-nft writes it: a one-byte 1 in the first
		// 32-bit register, then meta nftrace set.
		return append(out, &expr.Immediate{Register: 9, Data: []byte{1}},
			&expr.Meta{Key: expr.MetaKeyNFTRACE, SourceRegister: true, Register: 9}), nil
	}
	return nil, fmt.Errorf("-j %s has no xtables encoding in nftsync yet, so it cannot be placed in iptables' own tables", t.Name())
}
