package xt

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestMatchesRoundTrip checks that each match encoding added for the
// xt-only matches decodes back to what was encoded, and fills exactly
// its registered size (the kernel test in package rule proves the bytes
// against iptables-nft's).
func TestMatchesRoundTrip(t *testing.T) {
	for _, c := range []struct {
		ext    *Ext
		in     any
		decode func([]byte) (any, error)
	}{
		{TimeMatch, Time{DateStart: 1, DateStop: 2, DaytimeStart: 3, DaytimeStop: 4, MonthDays: 6, WeekDays: 0xfe, Flags: TimeContiguous},
			func(b []byte) (any, error) { return DecodeTime(b) }},
		{TosMatch, Tos{Mask: 0x3f, Value: 0x10, Invert: true}, func(b []byte) (any, error) { return DecodeTos(b) }},
		{TCPMSSMatch, TCPMSS{Min: 1, Max: 1500, Invert: true}, func(b []byte) (any, error) { return DecodeTCPMSS(b) }},
		{PhysdevMatch, Physdev{In: "eth+", Out: "br0", Invert: PhysdevIn, Bitmask: PhysdevIn | PhysdevOut},
			func(b []byte) (any, error) { return DecodePhysdev(b) }},
		{StringMatch, String{From: 1, To: 100, Algo: "kmp", Pattern: "a\x00b", Flags: StringIgnoreCase},
			func(b []byte) (any, error) { return DecodeString(b) }},
		{U32Match, U32{Tests: []U32Test{{Location: []U32Location{{Number: 0}, {Number: 22, Op: U32RightSh}}, Values: [][2]uint32{{1, 2}}}}, Invert: true},
			func(b []byte) (any, error) { return DecodeU32(b) }},
		{SocketMatch, Socket{Flags: SocketTransparent | SocketRestoreSKMark}, func(b []byte) (any, error) { return DecodeSocket(b) }},
		{ConnlabelMatch, Connlabel{Bit: 127, Options: ConnlabelSet}, func(b []byte) (any, error) { return DecodeConnlabel(b) }},
		{RecentMatch, Recent{Seconds: 60, HitCount: 4, CheckSet: RecentUpdate | RecentReap, Name: "ssh", Side: RecentDest, Mask: netip.MustParseAddr("255.255.255.0")},
			func(b []byte) (any, error) { return DecodeRecent(b, false) }},
		{IPv6HeaderMatch, IPv6Header{MatchFlags: 0x81, InvFlags: 0xff}, func(b []byte) (any, error) { return DecodeIPv6Header(b) }},
		{SRHMatch, SRH{NextHdr: 17, Tag: 300, Flags: 0x0800, InvFlags: 0x0800,
			SID:     [3]netip.Addr{netip.MustParseAddr("2001:db8::1"), netip.IPv6Unspecified(), netip.IPv6Unspecified()},
			SIDMask: [3]netip.Addr{netip.MustParseAddr("ffff:ffff:ffff:ffff::"), netip.IPv6Unspecified(), netip.IPv6Unspecified()}},
			func(b []byte) (any, error) { return DecodeSRH(b) }},
		{BPFMatch, BPF{Program: []BPFInstr{{Code: 6, K: 65535}}}, func(b []byte) (any, error) { return DecodeBPF(b) }},
		{OSFMatch, OSF{Genre: "Linux", Flags: OSFInvert | OSFTTL, TTL: 2}, func(b []byte) (any, error) { return DecodeOSF(b) }},
		{NfacctMatch, Nfacct{Name: "http-in"}, func(b []byte) (any, error) { return DecodeNfacct(b) }},
		{HbhMatch, Opts{HdrLen: 22, Flags: OptsLen | OptsOpts, InvFlags: OptsInvLen, Opts: []uint16{0x0102, 0x05ff}},
			func(b []byte) (any, error) { return DecodeOpts(b) }},
		{FragMatch, Frag{IDs: [2]uint32{5, 9}, HdrLen: 7, Flags: FragIDs | FragLen | FragRes, InvFlags: FragInvIDs}, func(b []byte) (any, error) { return DecodeFrag(b) }},
		{RateestMatch, Rateest{Name1: "a", Name2: "b", Flags: RateestRel | RateestDelta | RateestPPS, Mode: RateestLt, PPS1: 10, PPS2: 3},
			func(b []byte) (any, error) { return DecodeRateest(b) }},
		{ICMPMatch, ICMP{Type: 3, CodeMin: 4, CodeMax: 4, InvFlags: ICMPInvert}, func(b []byte) (any, error) { return DecodeICMP(b) }},
		{ConntrackMatch, Conntrack{Addr: [4]netip.Addr{{}, {}, {}, netip.MustParseAddr("10.1.2.3")}, Mask: [4]netip.Addr{{}, {}, {}, netip.MustParseAddr("255.255.255.255")},
			ExpiresMin: 1, ExpiresMax: 2, L4Proto: 17, Ports: [4][2]uint16{{}, {80, 80}, {}, {}}, MatchFlags: CtOrigSrc<<3 | CtOrigSrcPt<<1 | CtExpires, StateMask: CtStateSNAT},
			func(b []byte) (any, error) { return DecodeConntrack(b, false) }},
		{AddrTypeMatch, AddrType{Source: 1 << 9, Dest: 2, Flags: AddrTypeInvertSource | AddrTypeLimitIfaceIn}, func(b []byte) (any, error) { return DecodeAddrType(b) }},
		{AH6Match, AH6{SPIs: [2]uint32{5, 6}, HdrLen: 22, HdrRes: 1, InvFlags: AHInvLen}, func(b []byte) (any, error) { return DecodeAH6(b) }},
		{RTMatch, RT{Type: 0, SegsLeft: [2]uint32{300, 400}, HdrLen: 22, Flags: RTSegs | RTLen, InvFlags: RTInvSegs},
			func(b []byte) (any, error) { return DecodeRT(b) }},
	} {
		b := c.in.(interface{ Marshal() []byte }).Marshal()
		if len(b) != c.ext.Size {
			t.Errorf("%s: %d bytes, registered size %d", c.ext, len(b), c.ext.Size)
		}
		got, err := c.decode(b)
		if err != nil || !reflect.DeepEqual(got, c.in) {
			t.Errorf("%s: decoded %+v, %v; want %+v", c.ext, got, err, c.in)
		}
		if _, err := c.decode(append(b, 0)); err == nil {
			t.Errorf("%s: decodes info of the wrong size", c.ext)
		}
	}
}
