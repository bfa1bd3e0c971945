package xt

// QuotaMatch is xt_quota, revision 0 (struct xt_quota_info; the kernel's
// pointer to its private state reads back zero).
var QuotaMatch = register(&Ext{Kind: Match, Name: "quota", Rev: 0, Families: BothFamilies, Size: 24})

// Quota is struct xt_quota_info.
type Quota struct {
	Bytes  uint64
	Invert bool
}

// Marshal encodes the info.
func (q Quota) Marshal() []byte {
	b := newEnc(QuotaMatch.Size)
	if q.Invert {
		b.u32(0, 1) // XT_QUOTA_INVERT
	}
	b.u64(8, q.Bytes)
	return b
}
