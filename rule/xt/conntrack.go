package xt

import "net/netip"

// ConntrackMatch is xt_conntrack, revision 3 (struct
// xt_conntrack_mtinfo3).
var ConntrackMatch = register(&Ext{Kind: Match, Name: "conntrack", Rev: 3, Families: BothFamilies, Size: 168})

// The match_flags and invert_flags of struct xt_conntrack_mtinfo3.
const (
	CtState     = 1 << 0 // XT_CONNTRACK_STATE
	CtProto     = 1 << 1 // XT_CONNTRACK_PROTO
	CtOrigSrc   = 1 << 2 // XT_CONNTRACK_ORIGSRC; ORIGDST, REPLSRC, REPLDST follow
	CtStatus    = 1 << 6 // XT_CONNTRACK_STATUS
	CtExpires   = 1 << 7 // XT_CONNTRACK_EXPIRES
	CtOrigSrcPt = 1 << 8 // XT_CONNTRACK_ORIGSRC_PORT; the other ports follow
	CtDirection = 1 << 12
	// CtStateAlias (XT_CONNTRACK_STATE_ALIAS) marks the info of -m state,
	// which iptables 1.8.9 writes as conntrack rev 3 and saves as -m state.
	CtStateAlias = 1 << 13
)

// The kernel's state bits (XT_CONNTRACK_STATE_*).
const (
	CtStateInvalid     = 1 << 0
	CtStateEstablished = 1 << 1
	CtStateRelated     = 1 << 2
	CtStateNew         = 1 << 3
	CtStateSNAT        = 1 << 6
	CtStateDNAT        = 1 << 7
	CtStateUntracked   = 1 << 8
)

// Conntrack is struct xt_conntrack_mtinfo3. Addrs are origsrc, origdst,
// replsrc and repldst, each with its mask (invalid: zero); Ports the same
// four as [low, high] ranges in host byte order.
type Conntrack struct {
	Addr, Mask              [4]netip.Addr
	ExpiresMin, ExpiresMax  uint32
	L4Proto                 uint16
	Ports                   [4][2]uint16
	MatchFlags, InvertFlags uint16
	StateMask, StatusMask   uint16
}

// Marshal encodes the info.
func (c Conntrack) Marshal() []byte {
	b := newEnc(ConntrackMatch.Size)
	for i := range c.Addr {
		if c.Addr[i].IsValid() {
			b.bytes(32*i, c.Addr[i].AsSlice())
			b.bytes(32*i+16, c.Mask[i].AsSlice())
		}
	}
	b.u32(128, c.ExpiresMin)
	b.u32(132, c.ExpiresMax)
	b.u16(136, c.L4Proto)
	for i, p := range c.Ports {
		b.u16(138+2*i, p[0])
		b.u16(154+2*i, p[1])
	}
	b.u16(146, c.MatchFlags)
	b.u16(148, c.InvertFlags)
	b.u16(150, c.StateMask)
	b.u16(152, c.StatusMask)
	return b
}

// DecodeConntrack decodes the info of a rule of the given family.
func DecodeConntrack(info []byte, ipv6 bool) (Conntrack, error) {
	if err := checkLen(ConntrackMatch, info); err != nil {
		return Conntrack{}, err
	}
	c := Conntrack{ExpiresMin: host.Uint32(info[128:]), ExpiresMax: host.Uint32(info[132:]), L4Proto: host.Uint16(info[136:]),
		MatchFlags: host.Uint16(info[146:]), InvertFlags: host.Uint16(info[148:]), StateMask: host.Uint16(info[150:]), StatusMask: host.Uint16(info[152:])}
	for i := range c.Addr {
		if c.MatchFlags&(CtOrigSrc<<i) != 0 {
			if ipv6 {
				c.Addr[i], c.Mask[i] = netip.AddrFrom16([16]byte(info[32*i:])), netip.AddrFrom16([16]byte(info[32*i+16:]))
			} else {
				c.Addr[i], c.Mask[i] = netip.AddrFrom4([4]byte(info[32*i:])), netip.AddrFrom4([4]byte(info[32*i+16:]))
			}
		}
		c.Ports[i] = [2]uint16{host.Uint16(info[138+2*i:]), host.Uint16(info[154+2*i:])}
	}
	return c, nil
}
