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
		// TRACE is the one extension without info.
		if (e.Size == 0 && e != TraceTarget) || e.Size%8 != 0 || e.Families == 0 {
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
