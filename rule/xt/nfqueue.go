package xt

// NFQueueTarget is xt_NFQUEUE, revision 3 (struct xt_NFQ_info_v3).
var NFQueueTarget = register(&Ext{Kind: Target, Name: "NFQUEUE", Rev: 3, Families: BothFamilies, Size: 8})

// The flags of NFQueue.
const (
	NFQueueBypass    = 0x01 // NFQ_FLAG_BYPASS
	NFQueueCPUFanout = 0x02 // NFQ_FLAG_CPU_FANOUT
)

// NFQueue is struct xt_NFQ_info_v3: queue Num, or Total queues from Num
// on (Total is 1 for one queue).
type NFQueue struct {
	Num, Total, Flags uint16
}

// Marshal encodes the info.
func (q NFQueue) Marshal() []byte {
	b := newEnc(NFQueueTarget.Size)
	b.u16(0, q.Num)
	b.u16(2, q.Total)
	b.u16(4, q.Flags)
	return b
}
