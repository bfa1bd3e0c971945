package nft

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// longPlacedSpecs are mangle rules whose iptables form and owner TLV need
// more than the kernel's 256 bytes of userdata as text: a 128-byte -m
// string, a TTL or HL target (which loads only in mangle) and a comment.
var longPlacedSpecs = map[rule.Family]string{
	rule.IPv4: `-p udp -o eth0 -m udp --dport 53 -m string --string "` + strings.Repeat("GET /index.html ", 8) + `" --algo bm --from 20 --to 200 -m mark --mark 0x1/0xff -m comment --comment "long placed rule" -j TTL --ttl-set 9`,
	rule.IPv6: `-p udp -o eth0 -m udp --dport 53 -m string --string "` + strings.Repeat("GET /index.html ", 8) + `" --algo kmp --from 20 --to 200 -m mark --mark 0x1/0xff -m comment --comment "long placed rule" -j HL --hl-set 9`,
}

// incompressible is n letters and digits of a fixed pseudo-random
// sequence, which DEFLATE cannot shrink much.
func incompressible(n int, seed uint32) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = chars[(seed>>16)%uint32(len(chars))]
	}
	return string(b)
}

// TestPlacedUserDataCompressed checks the userdata of placed rules: a
// short spec stays text, a long one is compressed, always to the same
// bytes, fits the kernel's limit and reads back as the rule; one that does
// not fit even compressed is refused, saying so.
func TestPlacedUserDataCompressed(t *testing.T) {
	short := parsed(t, rule.IPv4, `-s 10.0.0.0/8 -j ACCEPT`)
	ud, err := placedUserData("nftsync", short)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(ud, udSpecZ) == 0 || !bytes.Contains(ud, []byte(short.String())) {
		t.Errorf("a short spec is not stored as text: %q", ud)
	}
	for fam, spec := range longPlacedSpecs {
		r := parsed(t, fam, spec)
		ud, err := placedUserData("nftsync", r)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if ud[0] != udSpecZ || len(ud) > maxUserData || !markedBy(ud, "nftsync") {
			t.Errorf("%s: userdata %x is not a compressed spec and the owner in %d bytes", spec, ud, maxUserData)
		}
		again, _ := placedUserData("nftsync", parsed(t, fam, spec))
		if !bytes.Equal(ud, again) {
			t.Errorf("%s: compressed differently twice:\n%x\n%x", spec, ud, again)
		}
		got, err := placedRule(fam, &haveRule{udata: ud})
		if err != nil {
			t.Fatalf("%s: reading back: %v", spec, err)
		}
		// Without its xt comment match placedRule recovers an empty
		// comment: compare the rest.
		if g, w := got.String(), strings.Replace(r.String(), `"long placed rule"`, `""`, 1); g != w {
			t.Errorf("read back\n  %s\nwant\n  %s", g, w)
		}
	}
	tooLong := parsed(t, rule.IPv4, `-m string --string `+incompressible(128, 1)+` --algo bm -m string --string `+incompressible(128, 2)+` --algo bm -m string --string `+incompressible(128, 3)+` --algo bm -j TTL --ttl-set 1`)
	if _, err := placedUserData("nftsync", tooLong); err == nil || !strings.Contains(err.Error(), "compressed; the kernel stores at most 256") {
		t.Errorf("a spec too long even compressed: %v", err)
	}
	if _, err := inflateSpecs([]byte{udSpecZ, 3, 1, 2, 3}); err == nil {
		t.Error("a corrupt compressed spec reads")
	}
}

func parsed(t *testing.T, fam rule.Family, spec string) *rule.Rule {
	t.Helper()
	r, err := rule.ParseString(fam, spec)
	if err != nil {
		t.Fatalf("parsing %q: %v", spec, err)
	}
	return r
}

// TestPlacementCompressedSpec places the long rules: their expressions
// are iptables-nft's, iptables-nft-save prints exactly what it prints for
// the rules iptables-nft writes, a second apply and a fresh backend keep
// every handle, and Read returns the rules, which applied change nothing.
func TestPlacementCompressedSpec(t *testing.T) {
	netnstest.RequireBinary(t, "iptables-nft")
	ns := netnstest.New(t)
	rs := &firewall.Ruleset{}
	for _, fam := range []rule.Family{rule.IPv4, rule.IPv6} {
		c := chain(t, fam, "mangle", "POSTROUTING", "", longPlacedSpecs[fam])
		rs.Chains = append(rs.Chains, c)
		tool := map[rule.Family]string{rule.IPv4: "iptables-nft", rule.IPv6: "ip6tables-nft"}[fam]
		ns.Exec(tool, append([]string{"-t", "mangle", "-A", "POSTROUTING"}, c.Rules[0].Spec.Args()...)...)
	}
	b, _ := newBackend(t, ns, WithPlacement("mangle"))
	theirs, theirSave := placedElems(t, b), save(t, ns)
	for _, tool := range []string{"iptables-nft", "ip6tables-nft"} {
		ns.Exec(tool, "-t", "mangle", "-F")
	}
	apply(t, b, rs)
	ours := placedElems(t, b)
	for _, k := range []string{"ip POSTROUTING", "ip6 POSTROUTING"} {
		if len(ours[k]) != 1 || len(theirs[k]) != 1 || !equalElems(ours[k][0], theirs[k][0]) {
			t.Errorf("%s:\n  ours:         %x\n  iptables-nft: %x", k, ours[k], theirs[k])
		}
	}
	if got := save(t, ns); got != theirSave {
		t.Errorf("iptables-nft-save of the placed rules:\n%s\nof iptables-nft's:\n%s", got, theirSave)
	}
	listed := ns.Exec("nft", "-a", "list", "ruleset")
	if p := apply(t, b, rs); !p.Empty() {
		t.Errorf("second apply: %s", p)
	}
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns, WithPlacement("mangle"))
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("fresh backend: %s", p)
	}
	if got := ns.Exec("nft", "-a", "list", "ruleset"); got != listed {
		t.Errorf("handles changed:\n%s\nwas\n%s", got, listed)
	}
	got, err := fresh.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g, w := rulesetText(got), rulesetText(rs); g != w {
		t.Errorf("Read:\n%s\nwant\n%s", g, w)
	}
	if p := apply(t, fresh, got); !p.Empty() {
		t.Errorf("what Read returns is not what was applied: %s", p)
	}
}
