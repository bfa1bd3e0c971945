package xt

// TraceTarget is xt_TRACE, revision 0, which has no info. The kernel
// registers it for the raw table only. iptables-nft 1.8.9 itself writes
// -j TRACE natively ("meta nftrace set 1"), as nftsync does in its own
// tables; iptables-nft-save reads this form as -j TRACE too.
var TraceTarget = register(&Ext{Kind: Target, Name: "TRACE", Rev: 0, Families: BothFamilies, Table: "raw", Size: 0})
