package xt

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// TestRegistry checks what every registered extension must hold: an
// aligned size and an expression carrying exactly that many bytes.
func TestRegistry(t *testing.T) {
	if len(Extensions()) == 0 {
		t.Fatal("no extension registered")
	}
	for _, e := range Extensions() {
		if Lookup(e.Kind, e.Name) != e {
			t.Errorf("%s: Lookup does not find it", e)
		}
		if e.Size == 0 || e.Size%8 != 0 || e.Families == 0 {
			t.Errorf("%s: size %d, families %d", e, e.Size, e.Families)
		}
		if _, err := e.Expr(make([]byte, e.Size)); err != nil {
			t.Errorf("%s: %v", e, err)
		}
		if _, err := e.Expr(make([]byte, e.Size+8)); err == nil {
			t.Errorf("%s: Expr takes info of the wrong size", e)
		}
		if (e.Table != "") != (e.Installable() != nil) {
			t.Errorf("%s: table %q but Installable() = %v", e, e.Table, e.Installable())
		}
	}
	if err := OwnerMatch.CheckHooks(LocalIn | LocalOut); err == nil || !strings.Contains(err.Error(), "from INPUT but") {
		t.Errorf("owner from INPUT: %v", err)
	}
	if err := OwnerMatch.CheckHooks(0); err != nil {
		t.Errorf("owner from no hook: %v", err)
	}
}

// TestRoundTrip checks each encoding decodes back to what was encoded.
func TestRoundTrip(t *testing.T) {
	o := Owner{UIDMin: 1, UIDMax: 2, GIDMin: 3, GIDMax: 0xfffffffe, Match: OwnerUID | OwnerGID, Invert: OwnerGID}
	if got, err := DecodeOwner(o.Marshal()); err != nil || got != o {
		t.Errorf("owner: %+v, %v; want %+v", got, err, o)
	}
	for _, tp := range []TProxy{
		{MarkMask: 0xff, MarkValue: 0x23, Addr: netip.MustParseAddr("10.0.0.1"), Port: 12345},
		{Addr: netip.MustParseAddr("dead::beef"), Port: 53},
	} {
		got, err := DecodeTProxy(tp.Marshal(), tp.Addr.Is6())
		if err != nil || !reflect.DeepEqual(got, tp) {
			t.Errorf("tproxy: %+v, %v; want %+v", got, err, tp)
		}
	}
}

// TestComment round-trips a comment and refuses one without room for its
// NUL.
func TestComment(t *testing.T) {
	b, err := Comment{Text: "Kilo: forward"}.Marshal()
	if err != nil || len(b) != 256 {
		t.Fatalf("Marshal: %d bytes, %v", len(b), err)
	}
	c, err := DecodeComment(b)
	if err != nil || c.Text != "Kilo: forward" {
		t.Errorf("DecodeComment = %q, %v", c.Text, err)
	}
	if _, err := (Comment{Text: strings.Repeat("x", 256)}).Marshal(); err == nil {
		t.Error("a 256-byte comment was encoded")
	}
}

// TestMasquerade checks both layouts: IPv4's rangesize and range, IPv6's
// nf_nat_range, ports big-endian.
func TestMasquerade(t *testing.T) {
	m := Masquerade{Flags: NATProtoSpecified | NATProtoRandom, MinPort: 1000, MaxPort: 2000}
	v4, v6 := m.Marshal(), m.Marshal6()
	if len(v4) != MasqueradeTarget.Size || len(v6) != Masquerade6Target.Size {
		t.Fatalf("sizes %d, %d", len(v4), len(v6))
	}
	if host.Uint32(v4) != 1 || host.Uint32(v4[4:]) != 6 || v4[16] != 0x03 || v4[17] != 0xe8 || v4[18] != 0x07 || v4[19] != 0xd0 {
		t.Errorf("IPv4 info %x", v4)
	}
	if host.Uint32(v6) != 6 || v6[36] != 0x03 || v6[37] != 0xe8 || v6[38] != 0x07 || v6[39] != 0xd0 {
		t.Errorf("IPv6 info %x", v6)
	}
	if _, err := Masquerade6Target.Expr(v6); err != nil {
		t.Error(err)
	}
}
