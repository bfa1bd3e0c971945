package xt

import "net/netip"

// ConnlimitMatch is xt_connlimit, revision 1 (struct xt_connlimit_info
// with flags), which iptables 1.8.9 uses. Its conncount data pointer is
// kernel-private: zero here, zero in the kernel's dump.
var ConnlimitMatch = register(&Ext{Kind: Match, Name: "connlimit", Rev: 1, Families: BothFamilies, Size: 32})

// The bits of Connlimit.Flags (XT_CONNLIMIT_*).
const (
	ConnlimitInvert = 1 << iota // --connlimit-upto: match while at most Limit
	ConnlimitDaddr              // count per destination address
)

// Connlimit is struct xt_connlimit_info.
type Connlimit struct {
	// Mask is the address mask connections are grouped by. For IPv4 only
	// its 4 bytes are the kernel's v4_mask; the other 12 bytes of the
	// union are zero, as iptables leaves them when --connlimit-mask is
	// given (which iptables-save always prints; without it iptables
	// leaves them all ones, which the kernel ignores as well).
	Mask  netip.Addr
	Limit uint32
	Flags uint32
}

// Marshal encodes the info.
func (c Connlimit) Marshal() []byte {
	b := newEnc(ConnlimitMatch.Size)
	if c.Mask.Is4() {
		a := c.Mask.As4()
		b.bytes(0, a[:])
	} else {
		a := c.Mask.As16()
		b.bytes(0, a[:])
	}
	b.u32(16, c.Limit)
	b.u32(20, c.Flags)
	return b
}

// DecodeConnlimit decodes the info for a rule of the given family (v6).
func DecodeConnlimit(info []byte, v6 bool) (Connlimit, error) {
	if err := checkLen(ConnlimitMatch, info); err != nil {
		return Connlimit{}, err
	}
	c := Connlimit{Limit: host.Uint32(info[16:]), Flags: host.Uint32(info[20:])}
	if v6 {
		c.Mask = netip.AddrFrom16([16]byte(info[:16]))
	} else {
		c.Mask = netip.AddrFrom4([4]byte(info[:4]))
	}
	return c, nil
}
