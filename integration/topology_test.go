package integration

import "testing"

// TestTopology checks the test network itself, with no rules installed: both
// protocols reach both server addresses in both families, unchanged, and a
// port nobody listens on is refused rather than silently dropped.
func TestTopology(t *testing.T) {
	n := newNetwork(t)
	for _, v6 := range []bool{false, true} {
		a := n.Family(v6)
		for _, proto := range []string{"tcp", "udp"} {
			n.expect(t, proto, a.Server, a.Client)
			n.expect(t, proto, a.ServerExtra, a.Client)
		}
		// The router is not the server: nothing listens there.
		if _, err := probe(n.Client, "tcp", a.RouterIn); err == nil || err == errBlocked {
			t.Errorf("tcp to the router %s: got %v, want connection refused", a.RouterIn, err)
		}
	}
	if got := n.srv.log(); got == "" {
		t.Error("the server logged nothing")
	}
}
