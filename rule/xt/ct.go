package xt

// CTTarget is xt_CT, revision 2 (struct xt_ct_target_info_v1, with
// --zone-orig/--zone-reply and zone "mark"), which iptables 1.8.9 uses in
// both families. The kernel registers it for the raw table only (see
// Ext.Installable).
var CTTarget = register(&Ext{Kind: Target, Name: "CT", Rev: 2, Families: BothFamilies, Table: "raw", Size: 72})

// The bits of CT.Flags (XT_CT_*).
const (
	CTNoTrack = 1 << 0
	// CTNoTrackAlias says the rule was written -j NOTRACK, which
	// libxt_CT writes as CT with both bits and saves as -j NOTRACK.
	CTNoTrackAlias = 1 << 1
	CTZoneOrig     = 1 << 2
	CTZoneReply    = 1 << 3
	CTZoneByMark   = 1 << 4
)

// The lengths of CT's strings, less their NUL, and how much of the
// timeout policy's name the kernel dumps: its usersize for CT is
// offsetof(struct xt_ct_target_info, ct), 32 bytes, which ends 4 bytes
// into xt_ct_target_info_v1's timeout.
const (
	CTHelperMax     = 15
	CTTimeoutMax    = 31
	CTTimeoutDumped = 4
)

// CT is struct xt_ct_target_info_v1: the conntrack template the packet
// gets. Events are bitmaps of enum ip_conntrack_events and
// ip_conntrack_expect_events. The kernel-private ct pointer (at offset 64)
// stays zero, as the kernel dumps it.
type CT struct {
	Flags, Zone         uint16
	CTEvents, ExpEvents uint32
	Helper, TimeoutName string
}

// Marshal encodes the info.
func (c CT) Marshal() []byte {
	b := newEnc(CTTarget.Size)
	b.u16(0, c.Flags)
	b.u16(2, c.Zone)
	b.u32(4, c.CTEvents)
	b.u32(8, c.ExpEvents)
	b.bytes(12, []byte(c.Helper[:min(len(c.Helper), CTHelperMax)]))
	b.bytes(28, []byte(c.TimeoutName[:min(len(c.TimeoutName), CTTimeoutMax)]))
	return b
}
