package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/nftsync/nftsync/internal/netnstest"
)

// longRules are rules whose iptables form does not fit the 256 bytes of
// rule userdata: a 128-byte comment in a long rule, the longest comment
// iptables keeps (255 bytes), and a rule of over 600 bytes.
var longRules = "*filter\n:FORWARD ACCEPT [0:0]\n:A-VERY-LONG-USER-CHAIN-NAME - [0:0]\n" +
	"-A FORWARD -s 10.100.100.100/32 -d 10.200.200.200/32 -i interface0123 -p tcp -m multiport --dports 1000,1001,1002,1003,1004 -m comment --comment " +
	strings.Repeat("c", 128) + " -j LOG --log-prefix \"long-rule: \"\n" +
	"-A FORWARD -p udp -m udp --dport 53 -m comment --comment " + strings.Repeat("d", 255) + " -j ACCEPT\n" +
	"-A FORWARD -s 192.168.100.0/24 -d 172.16.200.0/24 -i ifname-numero-1 -o ifname-numero-2 -p tcp" +
	" -m multiport --sports 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014" +
	" -m multiport --dports 2000,2001,2002,2003,2004,2005,2006,2007,2008,2009,2010,2011,2012,2013,2014" +
	" -m mac --mac-source 00:11:22:33:44:55 -m conntrack --ctstate NEW,RELATED,ESTABLISHED -m comment --comment " +
	strings.Repeat("f", 200) + " -j A-VERY-LONG-USER-CHAIN-NAME\n" +
	"-A A-VERY-LONG-USER-CHAIN-NAME -j ACCEPT\nCOMMIT\n"

// TestLongRulesCLI: long rules are applied, listed exactly as
// iptables-nft-save lists the same file restored by iptables-nft-restore,
// and converge: diff exits 0, and applying the listing keeps every handle.
func TestLongRulesCLI(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	f := writeFile(t, "long.v4", longRules)
	mustRun(t, 0, ns, "", "apply", "-4", f)
	if r := nftsync(t, ns, "", "diff", "-4", f); r.code != 0 || r.stdout != "" {
		t.Fatalf("diff after apply: %s", r)
	}
	listed := mustRun(t, 0, ns, "", "list").stdout
	want := rulesOf(longRules)
	if _, err := exec.LookPath("iptables-nft-restore"); err == nil {
		// The oracle: iptables-nft accepts the file and lists it so.
		ns.Exec("iptables-nft-restore", f)
		want = rulesOf(ns.Exec("iptables-nft-save", "-t", "filter"))
	}
	if got := rulesOf(listed); got != want {
		t.Errorf("list:\n%s\nwant:\n%s", got, want)
	}
	before := ns.Exec("nft", "-a", "list", "table", "ip", "test-filter")
	mustRun(t, 0, ns, "", "apply", "-4", writeFile(t, "listed.v4", listed))
	if after := ns.Exec("nft", "-a", "list", "table", "ip", "test-filter"); after != before {
		t.Errorf("applying the listing changed the table:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// rulesOf returns the -A lines of an iptables-save text.
func rulesOf(save string) string {
	var out []string
	for _, l := range strings.Split(save, "\n") {
		if strings.HasPrefix(l, "-A ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
