package xt

// NFLogTarget is xt_NFLOG, revision 0 (struct xt_nflog_info).
var NFLogTarget = register(&Ext{Kind: Target, Name: "NFLOG", Rev: 0, Families: BothFamilies, Size: 80})

// NFLogPrefixMax is the longest prefix struct xt_nflog_info holds with
// its NUL.
const NFLogPrefixMax = 63

// NFLogCopyLen is XT_NFLOG_F_COPY_LEN: Len is the snapshot length.
const NFLogCopyLen = 0x1

// NFLog is struct xt_nflog_info.
type NFLog struct {
	Len                     uint32
	Group, Threshold, Flags uint16
	Prefix                  string
}

// Marshal encodes the info (a prefix longer than NFLogPrefixMax is cut).
func (n NFLog) Marshal() []byte {
	b := newEnc(NFLogTarget.Size)
	b.u32(0, n.Len)
	b.u16(4, n.Group)
	b.u16(6, n.Threshold)
	b.u16(8, n.Flags)
	b.bytes(12, []byte(n.Prefix[:min(len(n.Prefix), NFLogPrefixMax)]))
	return b
}
