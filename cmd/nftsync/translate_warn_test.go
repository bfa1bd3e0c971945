package main

import (
	"strings"
	"testing"
)

// TestTranslateCLIWarnings checks that a rule whose iptables-translate text
// nft reads with another meaning prints that text unchanged on stdout and
// a warning with the exact text on stderr.
func TestTranslateCLIWarnings(t *testing.T) {
	for _, c := range []struct {
		args, stdin, stdout string
		warn                []string
	}{
		{args: `-t mangle -A PREROUTING -j CONNMARK --set-xmark 0x16/0x12`,
			stdout: "nft 'add rule ip mangle PREROUTING counter ct mark set ct mark xor 0x16 and 0xffffffed'\n",
			warn:   []string{"nftsync: warning: iptables-translate prints 'ct mark set ct mark xor 0x16 and 0xffffffed'", "ct mark ^ (0x16 & 0xffffffed)", "'ct mark set ct mark and 0xffffffed xor 0x16'"}},
		{args: `-6 -t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1234-fec0::2000]:1-20`,
			stdout: "nft 'add rule ip6 nat PREROUTING meta l4proto tcp counter dnat to [fec0::1234-fec0::2000]:1-20'\n",
			warn:   []string{"nftsync: warning: ", "cannot parse", "'dnat to [fec0::1234]-[fec0::2000]:1-20'"}},
		{args: `-f -`, stdin: "*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5\nCOMMIT\n",
			warn: []string{"nftsync: warning: stdin:3: iptables-translate prints 'ct mark set ( ct mark xor 0x23 and 0xffffff9c ) >> 5'"}},
	} {
		r := runPure(t, c.stdin, append([]string{"translate"}, splitArgs(t, c.args)...)...)
		if r.code != 0 || (c.stdout != "" && r.stdout != c.stdout) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("nftsync translate %s: want stdout %q and one warning, got %s", c.args, c.stdout, r)
			continue
		}
		for _, w := range c.warn {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("nftsync translate %s: stderr %q lacks %q", c.args, r.stderr, w)
			}
		}
	}
	// A rule nft reads as written warns about nothing.
	r := runPure(t, "", "translate", "-t", "mangle", "-A", "PREROUTING", "-j", "CONNMARK", "--or-mark", "0x16")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("--or-mark: want no warning, got %s", r)
	}
}
