package xt

// AuditTarget is xt_AUDIT, revision 0 (struct xt_audit_info), which
// iptables 1.8.9 uses in both families. In nftsync's tables AUDIT is nft's
// native "log level audit", which logs the same record; this form is for
// rules placed in iptables-nft's own tables.
var AuditTarget = register(&Ext{Kind: Target, Name: "AUDIT", Rev: 0, Families: BothFamilies, Size: 8})

// The --type values (XT_AUDIT_TYPE_*).
var AuditTypes = map[string]uint8{"accept": 0, "drop": 1, "reject": 2}

// Audit returns struct xt_audit_info: the --type.
func Audit(typ uint8) []byte {
	b := newEnc(AuditTarget.Size)
	b.u8(0, typ)
	return b
}
