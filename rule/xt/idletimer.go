package xt

// IdletimerTarget is xt_IDLETIMER, revision 1 (struct
// idletimer_tg_info_v1), which iptables 1.8.9 uses in both families. The
// kernel keeps one timer per label, shared by every rule (and namespace)
// that names it, and refuses a rule whose timer type differs from the
// existing timer's.
var IdletimerTarget = register(&Ext{Kind: Target, Name: "IDLETIMER", Rev: 1, Families: BothFamilies, Size: 48})

// IdletimerLabelMax is the longest label: MAX_IDLETIMER_LABEL_SIZE less
// the terminating NUL.
const IdletimerLabelMax = 27

// IdletimerAlarm is XT_IDLETIMER_ALARM, the alarm timer type.
const IdletimerAlarm = 1

// Idletimer is struct idletimer_tg_info_v1; its kernel-private timer
// pointer (at offset 40) stays zero, as the kernel dumps it.
type Idletimer struct {
	Timeout   uint32
	Label     string
	TimerType uint8
}

// Marshal encodes the info.
func (t Idletimer) Marshal() []byte {
	b := newEnc(IdletimerTarget.Size)
	b.u32(0, t.Timeout)
	b.bytes(4, []byte(t.Label[:min(len(t.Label), IdletimerLabelMax)]))
	b.u8(33, t.TimerType)
	return b
}
