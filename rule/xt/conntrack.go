package xt

// ConntrackMatch is xt_conntrack, revision 3 (struct
// xt_conntrack_mtinfo3), which iptables 1.8.9 uses for -m conntrack and
// also for -m state (an alias: the same info with ConntrackStateAlias
// set, which iptables-save prints as -m state again).
var ConntrackMatch = register(&Ext{Kind: Match, Name: "conntrack", Rev: 3, Families: BothFamilies, Size: 168})

// The bits of Conntrack.MatchFlags and InvertFlags (XT_CONNTRACK_*) that
// nftsync encodes.
const (
	ConntrackState      = 1 << 0
	ConntrackStatus     = 1 << 6
	ConntrackStateAlias = 1 << 13
)

// The bits of Conntrack.StateMask (XT_CONNTRACK_STATE_*): the ct info
// bits, then SNAT, DNAT and UNTRACKED above IP_CT_NUMBER.
const (
	CtInvalid     = 1 << 0
	CtEstablished = 1 << 1
	CtRelated     = 1 << 2
	CtNew         = 1 << 3
	CtSNAT        = 1 << 6
	CtDNAT        = 1 << 7
	CtUntracked   = 1 << 8
)

// Conntrack is the part of struct xt_conntrack_mtinfo3 nftsync encodes:
// --ctstate and --ctstatus (the addresses, ports, protocol, expiry and
// direction stay zero).
type Conntrack struct {
	MatchFlags, InvertFlags uint16
	StateMask, StatusMask   uint16
}

// Marshal encodes the info: eight nf_inet_addr (128 bytes), expires
// (8), l4proto and four ports (10), then the flags at 146.
func (c Conntrack) Marshal() []byte {
	b := newEnc(ConntrackMatch.Size)
	b.u16(146, c.MatchFlags)
	b.u16(148, c.InvertFlags)
	b.u16(150, c.StateMask)
	b.u16(152, c.StatusMask)
	return b
}
