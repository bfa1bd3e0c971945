package xt

// RateEstTarget is xt_RATEEST, revision 0 (struct
// xt_rateest_target_info), which iptables 1.8.9 uses in both families.
// The kernel keeps one estimator per name and namespace, and refuses a
// rule whose interval or ewma_log differs from the existing estimator's.
var RateEstTarget = register(&Ext{Kind: Target, Name: "RATEEST", Rev: 0, Families: BothFamilies, Size: 32})

// RateEstNameMax is the longest estimator name: IFNAMSIZ less the NUL.
const RateEstNameMax = 15

// RateEst is struct xt_rateest_target_info: Interval is the estimator's
// interval as 2^Interval/4 seconds (-2 to 3), EWMALog its averaging time
// constant as 2^EWMALog intervals. The kernel-private estimator pointer
// (at offset 24) stays zero, as the kernel dumps it.
type RateEst struct {
	Name     string
	Interval int8
	EWMALog  uint8
}

// Marshal encodes the info.
func (r RateEst) Marshal() []byte {
	b := newEnc(RateEstTarget.Size)
	b.bytes(0, []byte(r.Name[:min(len(r.Name), RateEstNameMax)]))
	b.u8(16, uint8(r.Interval))
	b.u8(17, r.EWMALog)
	return b
}
