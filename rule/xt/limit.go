package xt

// LimitMatch is the limit match, revision 0 (struct xt_rateinfo), for
// both families. iptables-nft 1.8.9 writes -m limit natively (nft's
// limit); iptables-legacy writes this. Only avg and burst are the user's:
// the kernel keeps its state in the rest and dumps it as zero (the match's
// usersize).
var LimitMatch = register(&Ext{Kind: Match, Name: "limit", Rev: 0, Families: BothFamilies, Size: 40})

// Limit is the user's part of struct xt_rateinfo: Avg is the average time
// between packets in 1/10000 s (XT_LIMIT_SCALE), Burst the bucket's size.
type Limit struct {
	Avg, Burst uint32
}

// Marshal encodes the info.
func (l Limit) Marshal() []byte {
	b := newEnc(LimitMatch.Size)
	b.u32(0, l.Avg)
	b.u32(4, l.Burst)
	return b
}
