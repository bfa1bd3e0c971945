package rule

import (
	"strings"
	"testing"
)

// TestExactTranslations covers the statements whose iptables-translate
// text nft reads differently or cannot read: Text keeps byte parity with
// iptables-translate, NftText is what nft must read, and the warning names
// both.
func TestExactTranslations(t *testing.T) {
	for _, c := range []struct {
		fam        Family
		args       string
		text, nft  string
		warnSubstr []string // empty: no warning
	}{
		{IPv4, `-j CONNMARK --set-xmark 0x16/0x12`,
			`counter ct mark set ct mark xor 0x16 and 0xffffffed`,
			`counter ct mark set ct mark and 0xffffffed xor 0x16`,
			[]string{`'ct mark set ct mark xor 0x16 and 0xffffffed'`, `nft reads as ct mark ^ (0x16 & 0xffffffed)`, `CONNMARK's (ct mark & 0xffffffed) ^ 0x16`, `'ct mark set ct mark and 0xffffffed xor 0x16'`}},
		{IPv4, `-j CONNMARK --set-mark 0x12/0x16`,
			`counter ct mark set ct mark xor 0x12 and 0xffffffe9`,
			`counter ct mark set ct mark and 0xffffffe9 xor 0x12`,
			[]string{`nft reads as ct mark ^ (0x12 & 0xffffffe9)`}},
		{IPv4, `-j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5`,
			`counter ct mark set ( ct mark xor 0x23 and 0xffffff9c ) >> 5`,
			`counter ct mark set ( ct mark and 0xffffff9c xor 0x23 ) >> 5`,
			[]string{`(ct mark ^ (0x23 & 0xffffff9c)) >> 5`, `((ct mark & 0xffffff9c) ^ 0x23) >> 5`}},
		{IPv4, `-j CONNMARK --set-xmark 0x16/0x12 --left-shift-mark 3`,
			`counter ct mark set ( ct mark xor 0x16 and 0xffffffed ) << 3`,
			`counter ct mark set ( ct mark and 0xffffffed xor 0x16 ) << 3`,
			[]string{`<< 3`}},
		{IPv4, `-j CONNMARK --set-mark 0x16 --right-shift-mark 1`,
			`counter ct mark set ( 0x16  ) >> 1`, `counter ct mark set 0xb`,
			[]string{`nft 1.0.6 aborts`, `'ct mark set 0xb'`}},
		{IPv4, `-j CONNMARK --set-mark 0x40000016 --left-shift-mark 3`,
			`counter ct mark set ( 0x40000016  ) << 3`, `counter ct mark set 0xb0`, []string{`aborts`}},
		{IPv6, `-p tcp -j DNAT --to-destination [fec0::1234-fec0::2000]:1-20 --random`,
			`meta l4proto tcp counter dnat to [fec0::1234-fec0::2000]:1-20 random`,
			`meta l4proto tcp counter dnat to [fec0::1234]-[fec0::2000]:1-20 random`,
			[]string{`cannot parse`}},
		{IPv6, `-p udp -j SNAT --to-source [fec0::1-fec0::2]:80`,
			`meta l4proto udp counter snat to [fec0::1-fec0::2]:80`,
			`meta l4proto udp counter snat to [fec0::1]-[fec0::2]:80`, []string{`cannot parse`}},
		// nft's tcp option missing has no tcp dependency: without one it
		// matches UDP and ICMP too (found by integration's packet
		// property test).
		{IPv4, `-p tcp ! --tcp-option 23`, `tcp option 23 missing counter`,
			`meta l4proto tcp tcp option 23 missing counter`, []string{`not TCP`}},
		{IPv6, `-p tcp -m tcp ! --tcp-option 93 -j DROP`, `tcp option 93 missing counter drop`,
			`meta l4proto tcp tcp option 93 missing counter drop`, []string{`not TCP`}},
		// Forms nft reads as iptables means them: no exact text, no warning.
		{IPv4, `-p tcp --dport 22 ! --tcp-option 23`, `tcp dport 22 tcp option 23 missing counter`, ``, nil},
		{IPv4, `-p tcp --tcp-option 23`, `tcp option 23 exists counter`, ``, nil},
		{IPv4, `-j CONNMARK --and-mark 0x16 --right-shift-mark 2`,
			`counter ct mark set ( ct mark and 0x16 ) >> 2`, ``, nil},
		{IPv4, `-j CONNMARK --save-mark --right-shift-mark 5`, `counter ct mark set ( mark ) >> 5`, ``, nil},
		{IPv6, `-j CONNMARK --restore-mark --left-shift-mark 5`, `counter meta mark set ( ct mark ) << 5`, ``, nil},
		{IPv4, `-j CONNMARK --set-xmark 0x16/0x16`, `counter ct mark set ct mark or 0x16`, ``, nil},
		{IPv4, `-j MARK --set-xmark 0x16/0x12`, `counter meta mark set mark and 0xffffffed xor 0x16`, ``, nil},
		{IPv4, `-p tcp -j MASQUERADE --to-ports 10-20 --random`, `ip protocol tcp counter masquerade to :10-20 random`, ``, nil},
		{IPv6, `-p tcp -j DNAT --to-destination [fec0::1234]:1-20`, `meta l4proto tcp counter dnat to [fec0::1234]:1-20`, ``, nil},
		{IPv6, `-j DNAT --to-destination fec0::1-fec0::2`, `counter dnat to fec0::1-fec0::2`, ``, nil},
	} {
		tr := translateArgs(t, c.fam, c.args)
		if tr == nil {
			continue
		}
		wantNft := c.nft
		if wantNft == "" {
			wantNft = c.text
		}
		if got := tr.Text(); got != c.text {
			t.Errorf("%s: Text\n  got  %s\n  want %s", c.args, got, c.text)
		}
		if got := tr.NftText(); got != wantNft {
			t.Errorf("%s: NftText\n  got  %s\n  want %s", c.args, got, wantNft)
		}
		w := tr.Warnings()
		if len(c.warnSubstr) == 0 {
			if len(w) != 0 {
				t.Errorf("%s: unexpected warnings %q", c.args, w)
			}
			continue
		}
		if len(w) != 1 {
			t.Errorf("%s: %d warnings %q, want 1", c.args, len(w), w)
			continue
		}
		for _, sub := range c.warnSubstr {
			if !strings.Contains(w[0], sub) {
				t.Errorf("%s: warning %q does not contain %q", c.args, w[0], sub)
			}
		}
	}
}

// TestCommandWarnings checks that a command line carries its rule's
// warnings and prints iptables-translate's text unchanged.
func TestCommandWarnings(t *testing.T) {
	cmd, err := ParseCommand(IPv4, []string{"-t", "mangle", "-A", "PREROUTING", "-j", "CONNMARK", "--set-xmark", "0x16/0x12"})
	if err != nil {
		t.Fatal(err)
	}
	out, warns, err := cmd.TranslateWithWarnings()
	if err != nil {
		t.Fatal(err)
	}
	if want := `nft 'add rule ip mangle PREROUTING counter ct mark set ct mark xor 0x16 and 0xffffffed'`; out != want {
		t.Errorf("got %s, want %s", out, want)
	}
	if plain, err := cmd.Translate(); err != nil || plain != out {
		t.Errorf("Translate() = %q, %v; want %q", plain, err, out)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "ct mark and 0xffffffed xor 0x16") {
		t.Errorf("warnings %q", warns)
	}
	cmd, err = ParseCommand(IPv4, []string{"-F", "-t", "nat"})
	if err != nil {
		t.Fatal(err)
	}
	if _, warns, err := cmd.TranslateWithWarnings(); err != nil || len(warns) != 0 {
		t.Errorf("-F: warnings %q, %v", warns, err)
	}
}

// TestRestoreWarnings checks that a restore file's warnings name the line.
func TestRestoreWarnings(t *testing.T) {
	in := "*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CONNMARK --set-mark 0x1\n-A PREROUTING -j CONNMARK --set-xmark 0x16/0x12\nCOMMIT\n"
	out, warns, err := TranslateRestoreWithWarnings(strings.NewReader(in), "rules.v4", IPv4)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "add rule ip mangle PREROUTING counter ct mark set ct mark xor 0x16 and 0xffffffed\n") {
		t.Errorf("output lost iptables-translate's text:\n%s", out)
	}
	if plain, err := TranslateRestore(strings.NewReader(in), "rules.v4", IPv4); err != nil || plain != out {
		t.Errorf("TranslateRestore differs from TranslateRestoreWithWarnings: %v\n%s", err, plain)
	}
	if len(warns) != 1 || !strings.HasPrefix(warns[0], "rules.v4:4: iptables-translate prints") {
		t.Errorf("warnings %q", warns)
	}
}
