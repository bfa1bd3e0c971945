package nft

import (
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// compatAttr returns the NFTA_RULE_COMPAT attribute of a rule that runs an
// xtables extension and has a -p (see rule.Rule.CompatProto), or nil. The
// kernel uses it only when the rule is added and does not dump it back, so
// it takes no part in recognising a dumped rule.
func compatAttr(r *rule.Rule, tr *rule.Translation) attrs {
	if !tr.Compat() {
		return nil
	}
	proto, invert, ok := r.CompatProto()
	if !ok {
		return nil
	}
	var flags uint32
	if invert {
		flags = unix.NFT_RULE_COMPAT_F_INV
	}
	inner := attrs(nil).u32(unix.NFTA_RULE_COMPAT_PROTO, uint32(proto)).u32(unix.NFTA_RULE_COMPAT_FLAGS, flags)
	return attrs(nil).nested(unix.NFTA_RULE_COMPAT, inner)
}
