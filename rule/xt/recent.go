package xt

import "net/netip"

// RecentMatch is xt_recent, revision 1 (struct xt_recent_mtinfo_v1).
var RecentMatch = register(&Ext{Kind: Match, Name: "recent", Rev: 1, Families: BothFamilies, Size: 232})

// The bits of struct xt_recent_mtinfo_v1's check_set, and its sides.
const (
	RecentCheck  = 1 << 0 // XT_RECENT_CHECK
	RecentSet    = 1 << 1 // XT_RECENT_SET
	RecentUpdate = 1 << 2 // XT_RECENT_UPDATE
	RecentRemove = 1 << 3 // XT_RECENT_REMOVE
	RecentTTL    = 1 << 4 // XT_RECENT_TTL
	RecentReap   = 1 << 5 // XT_RECENT_REAP

	RecentSource = 0 // XT_RECENT_SOURCE
	RecentDest   = 1 // XT_RECENT_DEST

	RecentNameLen = 200 // XT_RECENT_NAME_LEN, the NUL included
)

// Recent is struct xt_recent_mtinfo_v1; Mask is an IPv4 or IPv6 address
// (union nf_inet_addr).
type Recent struct {
	Seconds, HitCount uint32
	CheckSet          uint8
	Invert            bool
	Name              string
	Side              uint8
	Mask              netip.Addr
}

// Marshal encodes the info.
func (r Recent) Marshal() []byte {
	b := newEnc(RecentMatch.Size)
	b.u32(0, r.Seconds)
	b.u32(4, r.HitCount)
	b.u8(8, r.CheckSet)
	if r.Invert {
		b.u8(9, 1)
	}
	// iptables starts from the name "DEFAULT" and copies the given name
	// and its NUL over it: what is left of "DEFAULT" after a short name
	// stays in the buffer (the kernel ignores it).
	b.bytes(10, []byte("DEFAULT"))
	b.bytes(10, append([]byte(r.Name), 0))
	b.u8(210, r.Side)
	b.bytes(212, r.Mask.AsSlice())
	return b
}

// DecodeRecent decodes the info of a rule of the given family.
func DecodeRecent(info []byte, ipv6 bool) (Recent, error) {
	if err := checkLen(RecentMatch, info); err != nil {
		return Recent{}, err
	}
	r := Recent{Seconds: host.Uint32(info), HitCount: host.Uint32(info[4:]), CheckSet: info[8], Invert: info[9] != 0,
		Name: cString(info[10:210]), Side: info[210]}
	if ipv6 {
		r.Mask = netip.AddrFrom16([16]byte(info[212:228]))
	} else {
		r.Mask = netip.AddrFrom4([4]byte(info[212:216]))
	}
	return r, nil
}
