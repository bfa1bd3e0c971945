package xt

// ClassifyTarget is xt_CLASSIFY, revision 0 (struct
// xt_classify_target_info), which iptables 1.8.9 uses in both families.
// The kernel registers it for OUTPUT, FORWARD and POSTROUTING. In
// nftsync's tables CLASSIFY is nft's native "meta priority set"; this form
// is for rules placed in iptables-nft's own tables.
var ClassifyTarget = register(&Ext{Kind: Target, Name: "CLASSIFY", Rev: 0, Families: BothFamilies,
	Hooks: LocalOut | Forward | PostRouting, Size: 8})

// Classify returns struct xt_classify_target_info: the skb priority,
// major<<16 | minor as tc's TC_H_MAKE builds it.
func Classify(priority uint32) []byte {
	b := newEnc(ClassifyTarget.Size)
	b.u32(0, priority)
	return b
}
