package rule

import (
	"bytes"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// TestKernelSelfMarshalledBytes compares, byte for byte, what MarshalExpr
// produces with the expression the kernel returns for nft's own rule (read
// with a raw GETRULE dump: the library's decoder would drop the masquerade
// flags and the shift). The kernel leaves NLA_F_NESTED out of what it
// dumps, so that flag is cleared on our side; for a single port it also
// dumps proto_max = proto_min, which nft does not send.
func TestKernelSelfMarshalledBytes(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	ns.NFT(`table ip t {
	chain post { type nat hook postrouting priority srcnat; }
	chain mangle { type filter hook prerouting priority mangle; }
}
add rule ip t post meta l4proto tcp masquerade to :10 random
add rule ip t post meta l4proto tcp masquerade to :10-20
add rule ip t post meta l4proto udp masquerade to :1024-65535 random,fully-random,persistent
add rule ip t mangle ct mark set ct mark >> 5
add rule ip t mangle ct mark set ct mark << 31
`)
	h := ns.Handle()
	defer h.Close()
	raw, err := rawDial(int(h))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	dump := func(chain string) [][][]byte {
		rules, err := rawRuleExprs(raw, unix.NFPROTO_IPV4, "t", chain)
		if err != nil {
			t.Fatal(err)
		}
		return rules
	}
	post, mangle := dump("post"), dump("mangle")
	if len(post) != 3 || len(mangle) != 2 {
		t.Fatalf("dumped %d and %d rules, want 3 and 2", len(post), len(mangle))
	}
	for _, c := range []struct {
		name string
		kern []byte // the kernel's expression
		ours ExprMarshaler
	}{
		// Rule: meta, cmp, immediate, masq (proto_max as the kernel dumps it).
		{"masquerade to :10 random", post[0][3], &MasqPorts{Masq: expr.Masq{ToPorts: true, RegProtoMin: 1, RegProtoMax: 1, Random: true}}},
		{"masquerade to :10-20", post[1][4], &MasqPorts{Masq: expr.Masq{ToPorts: true, RegProtoMin: 1, RegProtoMax: 2}}},
		{"masquerade to :1024-65535 random,fully-random,persistent", post[2][4],
			&MasqPorts{Masq: expr.Masq{ToPorts: true, RegProtoMin: 1, RegProtoMax: 2, Random: true, FullyRandom: true, Persistent: true}}},
		// Rule: ct load, shift, ct set.
		{"ct mark >> 5", mangle[0][1], shiftMark(-5)},
		{"ct mark << 31", mangle[1][1], shiftMark(31)},
	} {
		b, err := c.ours.MarshalExpr(unix.NFPROTO_IPV4)
		if err != nil {
			t.Fatal(err)
		}
		if got := clearNested(b); !bytes.Equal(got, c.kern) {
			t.Errorf("%s:\n  kernel: %x\n  ours:   %x", c.name, c.kern, got)
		}
	}
}
