package xt

import (
	"encoding/binary"
	"net/netip"
)

// TProxyTarget is xt_TPROXY, revision 1 (struct xt_tproxy_target_info_v1),
// which iptables 1.8.9 uses in both families. The kernel registers it for
// the mangle table's PREROUTING only: nftsync cannot install it in its own
// tables (see Ext.Installable), the encoding is kept for the day it can
// and to prove the layout against iptables-nft.
var TProxyTarget = register(&Ext{Kind: Target, Name: "TPROXY", Rev: 1, Families: BothFamilies,
	Hooks: PreRouting, Table: "mangle", Size: 32})

// TProxy is struct xt_tproxy_target_info_v1.
type TProxy struct {
	MarkMask, MarkValue uint32
	Addr                netip.Addr // IPv4 or IPv6; the unspecified address for none
	Port                uint16
}

// Marshal encodes the info: an IPv4 address takes the first 4 bytes of
// union nf_inet_addr.
func (t TProxy) Marshal() []byte {
	b := newEnc(TProxyTarget.Size)
	b.u32(0, t.MarkMask)
	b.u32(4, t.MarkValue)
	if t.Addr.Is4() {
		a := t.Addr.As4()
		b.bytes(8, a[:])
	} else if t.Addr.IsValid() {
		a := t.Addr.As16()
		b.bytes(8, a[:])
	}
	b.be16(24, t.Port)
	return b
}

// DecodeTProxy decodes the info for a rule of the given family (v6).
func DecodeTProxy(info []byte, v6 bool) (TProxy, error) {
	if err := checkLen(TProxyTarget, info); err != nil {
		return TProxy{}, err
	}
	t := TProxy{MarkMask: host.Uint32(info), MarkValue: host.Uint32(info[4:]), Port: binary.BigEndian.Uint16(info[24:])}
	if v6 {
		t.Addr = netip.AddrFrom16([16]byte(info[8:24]))
	} else {
		t.Addr = netip.AddrFrom4([4]byte(info[8:12]))
	}
	return t, nil
}
