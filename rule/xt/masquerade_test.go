package xt

import "testing"

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
