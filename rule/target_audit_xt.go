package rule

import "github.com/nftsync/nftsync/rule/xt"

// xtInfo encodes the target as struct xt_audit_info, for rules placed in
// iptables-nft's own tables.
func (a *Audit) xtInfo() (*xt.Ext, []byte) { return xt.AuditTarget, xt.Audit(xt.AuditTypes[a.Type]) }
