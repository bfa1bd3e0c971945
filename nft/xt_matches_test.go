package nft

import (
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/internal/netnstest"
	"github.com/nftsync/nftsync/rule"
)

// xtMatchesRuleset holds rules of the match extensions that nftsync
// installs only as xtables extensions (time, tos, u32, ...).
func xtMatchesRuleset(t *testing.T) *firewall.Ruleset {
	return &firewall.Ruleset{Chains: []*firewall.Chain{
		chain(t, rule.IPv4, "filter", "INPUT", "",
			`-p icmp -m time --datestart 2020-01-29T00:00:00 --timestart 12:00 --timestop 19:00 ! --weekdays Mon,Tue,Wed,Thu,Fri -j DROP`,
			`-m tos ! --tos 0x12/0x3e -j ACCEPT`,
			`-p tcp -m tcpmss ! --mss 536:1000 -j DROP`,
			`-p tcp -m socket --transparent --restore-skmark -j ACCEPT`,
			`-p tcp -m osf ! --genre Windows --ttl 1 -j DROP`,
			`-m nfacct --nfacct-name http-in`,
			`-m addrtype ! --src-type LOCAL,NAT --dst-type XRESOLVE,UNICAST --limit-iface-in -j DROP`,
			`-m conntrack --ctstate NEW,DNAT --ctorigdstport 80 -j ACCEPT`,
			`-m conntrack ! --ctrepldst 10.1.2.3 --ctexpire 5000000 -j DROP`,
			`-p icmp -m icmp --icmp-type fragmentation-needed -j ACCEPT`,
			`-m rateest --rateest-delta --rateest1 est1 --rateest-bps1 16Kbit ! --rateest-gt --rateest-bps2 8Kbit --rateest2 est2 -j DROP`,
			`-p tcp --dport 22 -m recent --set --name ssh --mask 255.255.255.0 --rsource`,
			`-p tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 --name ssh -j DROP`,
			`-m physdev ! --physdev-in veth+ --physdev-is-bridged -j ACCEPT`,
			`-p tcp -m string --hex-string "|00|GET|0a|" --algo kmp --to 200 --icase -j DROP`),
		chain(t, rule.IPv6, "filter", "FORWARD", "",
			`-m time --timestart 22:00:30 --timestop 06:00 --monthdays 1,15,31 --kerneltz --contiguous -j ACCEPT`,
			`-m u32 ! --u32 "6&0xFF=1:3,017&&4<<8=+5" -j DROP`,
			`-m bpf --bytecode "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0" -j ACCEPT`,
			`-m connlabel ! --label 3 --set -j ACCEPT`,
			`-m ipv6header ! --header frag,auth --soft -j DROP`,
			`-m eui64 -j ACCEPT`,
			`-p ipv6-icmp -m icmp6 ! --icmpv6-type 1/4 -j ACCEPT`,
			`-m srh ! --srh-nsid fd00::1/48 --srh-segs-left-gt 2 -j DROP`,
			`-m hbh --hbh-len 22 --hbh-opts 1:2,5 -j DROP`,
			`-m dst ! --dst-len 24 -j ACCEPT`,
			`-m ah --ahspi 5:6 --ahlen 22 --ahres -j DROP`,
			`-m frag --fragid 100 --fragres --fragmore -j DROP`,
			`-m rt --rt-type 0 --rt-len 22 ! --rt-segsleft 26 -j DROP`),
	}}
}

// TestXtMatchesConverge applies the rules of xtMatchesRuleset: a fresh
// backend (nothing in memory) plans nothing and keeps every handle, and
// Read returns the rules as declared.
func TestXtMatchesConverge(t *testing.T) {
	netnstest.RequireBinary(t, "nft")
	ns := netnstest.New(t)
	rs := xtMatchesRuleset(t)
	newNfacct(t, ns, "http-in")
	for _, est := range []string{"est1", "est2"} {
		ns.Exec("iptables-legacy", "-t", "mangle", "-A", "PREROUTING", "-j", "RATEEST", "--rateest-name", est, "--rateest-interval", "250ms", "--rateest-ewmalog", "0.5s")
	}
	b, _ := newBackend(t, ns)
	apply(t, b, rs)
	list := func() string { return ns.Exec("nft", "-a", "list", "ruleset") }
	before := list()
	b.Close() // one writer per owner: the fresh backend takes over
	fresh, _ := newBackend(t, ns)
	if p := apply(t, fresh, rs); !p.Empty() {
		t.Errorf("a fresh backend plans changes to xt rules:\n%s", p)
	}
	if after := list(); after != before {
		t.Errorf("the ruleset changed on a second apply:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	assertReadBack(t, fresh, rs)
}

// newNfacct creates an extended accounting object in ns, as "nfacct add
// NAME" does: the kernel refuses a rule naming one that does not exist.
func newNfacct(t *testing.T, ns *netnstest.NS, name string) {
	t.Helper()
	const nfacctName, nfnlMsgAcctNew = 1, 0 // linux/netfilter/nfnetlink_acct.h
	err := ns.Do(func() error {
		c, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
		if err != nil {
			return err
		}
		defer c.Close()
		ae := netlink.NewAttributeEncoder()
		ae.String(nfacctName, name)
		attrs, err := ae.Encode()
		if err != nil {
			return err
		}
		_, err = c.Execute(netlink.Message{
			Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_ACCT<<8 | nfnlMsgAcctNew), Flags: netlink.Request | netlink.Acknowledge | netlink.Create},
			Data:   append([]byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0}, attrs...),
		})
		return err
	})
	if err != nil {
		t.Fatalf("creating nfacct object %q: %v", name, err)
	}
}
