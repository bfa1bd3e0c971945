package rule

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestMasqPortsFramingMatchesLibrary checks that MasqPorts frames a
// masquerade as google/nftables does where the library is right (no
// ports), so the two can be mixed in one rule.
func TestMasqPortsFramingMatchesLibrary(t *testing.T) {
	for _, m := range []expr.Masq{{}, {Random: true}, {FullyRandom: true, Persistent: true}} {
		want, err := expr.Marshal(unix.NFPROTO_IPV4, &m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := (&MasqPorts{Masq: m}).MarshalExpr(unix.NFPROTO_IPV4)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: MarshalExpr\n  %x\nexpr.Marshal\n  %x", m, got, want)
		}
	}
}

// exprAttrs decodes a marshalled expression into its name and the
// attributes of its data (values as raw bytes).
func exprAttrs(t *testing.T, b []byte) (string, map[uint16][]byte) {
	t.Helper()
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	attrs := map[uint16][]byte{}
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_EXPR_NAME:
			name = ad.String()
		case unix.NFTA_EXPR_DATA:
			if ad.TypeFlags()&netlink.Nested == 0 {
				t.Errorf("NFTA_EXPR_DATA is not flagged nested")
			}
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					attrs[nad.Type()] = nad.Bytes()
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		t.Fatal(err)
	}
	return name, attrs
}

func TestMasqPortsMarshalExpr(t *testing.T) {
	for _, c := range []struct {
		m     expr.Masq
		flags uint32
		max   bool
	}{
		{expr.Masq{ToPorts: true, RegProtoMin: 1}, unix.NF_NAT_RANGE_PROTO_SPECIFIED, false},
		{expr.Masq{ToPorts: true, RegProtoMin: 1, RegProtoMax: 2, Random: true}, unix.NF_NAT_RANGE_PROTO_SPECIFIED | unix.NF_NAT_RANGE_PROTO_RANDOM, true},
		{expr.Masq{ToPorts: true, RegProtoMin: 1, FullyRandom: true, Persistent: true},
			unix.NF_NAT_RANGE_PROTO_SPECIFIED | unix.NF_NAT_RANGE_PROTO_RANDOM_FULLY | unix.NF_NAT_RANGE_PERSISTENT, false},
	} {
		b, err := (&MasqPorts{Masq: c.m}).MarshalExpr(unix.NFPROTO_IPV6)
		if err != nil {
			t.Fatal(err)
		}
		name, attrs := exprAttrs(t, b)
		if name != "masq" {
			t.Errorf("%+v: name %q", c.m, name)
		}
		if !bytes.Equal(attrs[unix.NFTA_MASQ_FLAGS], be32(c.flags)) {
			t.Errorf("%+v: flags %x, want %x", c.m, attrs[unix.NFTA_MASQ_FLAGS], be32(c.flags))
		}
		if !bytes.Equal(attrs[unix.NFTA_MASQ_REG_PROTO_MIN], be32(c.m.RegProtoMin)) {
			t.Errorf("%+v: proto min %x", c.m, attrs[unix.NFTA_MASQ_REG_PROTO_MIN])
		}
		if got, ok := attrs[unix.NFTA_MASQ_REG_PROTO_MAX]; ok != c.max || (ok && !bytes.Equal(got, be32(c.m.RegProtoMax))) {
			t.Errorf("%+v: proto max %x (present %v, want %v)", c.m, got, ok, c.max)
		}
		// The library's decoder still reads it as the Masq it embeds.
		var back expr.Masq
		if err := expr.Unmarshal(unix.NFPROTO_IPV6, attrsOf(t, b), &back); err != nil || back != c.m {
			t.Errorf("%+v: decodes as %+v (%v)", c.m, back, err)
		}
	}
}

// attrsOf returns the NFTA_EXPR_DATA payload of a marshalled expression.
func attrsOf(t *testing.T, b []byte) []byte {
	t.Helper()
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		t.Fatal(err)
	}
	for ad.Next() {
		if ad.Type() == unix.NFTA_EXPR_DATA {
			return ad.Bytes()
		}
	}
	t.Fatal("no NFTA_EXPR_DATA")
	return nil
}

func TestBitwiseShiftMarshalExpr(t *testing.T) {
	for _, c := range []struct {
		n    int
		op   uint32
		bits uint32
	}{{-5, nftBitwiseRsh, 5}, {3, nftBitwiseLsh, 3}, {31, nftBitwiseLsh, 31}} {
		b, err := shiftMark(c.n).MarshalExpr(unix.NFPROTO_IPV4)
		if err != nil {
			t.Fatal(err)
		}
		name, attrs := exprAttrs(t, b)
		if name != "bitwise" {
			t.Errorf("%d: name %q", c.n, name)
		}
		for typ, want := range map[uint16][]byte{
			unix.NFTA_BITWISE_SREG: be32(1), unix.NFTA_BITWISE_DREG: be32(1),
			unix.NFTA_BITWISE_LEN: be32(4), nftaBitwiseOp: be32(c.op),
		} {
			if !bytes.Equal(attrs[typ], want) {
				t.Errorf("shift %d: attribute %d = %x, want %x", c.n, typ, attrs[typ], want)
			}
		}
		// NFTA_BITWISE_DATA holds NFTA_DATA_VALUE: the shift, host order.
		wantData, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: unix.NFTA_DATA_VALUE, Data: binary.NativeEndian.AppendUint32(nil, c.bits)}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(attrs[nftaBitwiseData], wantData) {
			t.Errorf("shift %d: data %x, want %x", c.n, attrs[nftaBitwiseData], wantData)
		}
	}
	if _, err := (&BitwiseShift{Bits: 32}).MarshalExpr(unix.NFPROTO_IPV4); err == nil {
		t.Error("a shift by 32 bits marshalled without error")
	}
}

func TestMarshalExprDispatch(t *testing.T) {
	plain := &expr.Masq{Random: true}
	want, _ := expr.Marshal(unix.NFPROTO_IPV4, plain)
	got, err := MarshalExpr(unix.NFPROTO_IPV4, plain)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("plain Masq: %x, %v; want %x", got, err, want)
	}
	mp := &MasqPorts{Masq: expr.Masq{ToPorts: true, RegProtoMin: 1}}
	lib, _ := expr.Marshal(unix.NFPROTO_IPV4, mp)
	own, err := MarshalExpr(unix.NFPROTO_IPV4, mp)
	if err != nil || bytes.Equal(own, lib) {
		t.Errorf("MasqPorts went through the library's marshalling (%x, %v)", own, err)
	}
}
