package rule

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/internal/netnstest"
	"golang.org/x/sys/unix"
)

// xtMatchCases are the rules of the match extensions that have no native
// nftables form at all (time, tos, u32, ...): each runs through
// TestKernelXtInfo like xtCases.
var xtMatchCases = []xtCase{
	{IPv4, "filter", "INPUT", "-m time --timestart 12:00"},
	{IPv4, "filter", "INPUT", "-p icmp -m time --datestart 2020-01-29T00:00:00 --timestart 12:00 --timestop 19:00 ! --weekdays Mon,Tue,Wed,Thu,Fri -j ACCEPT"},
	{IPv6, "filter", "FORWARD", "-m time --timestart 22:00:30 --timestop 06:00 --monthdays 1,15,31 --weekdays Sa,7 --datestop 2030-02 --kerneltz --contiguous"},
	{IPv6, "filter", "OUTPUT", "-m time ! --monthdays 2 --datestart 2021"},
	{IPv4, "filter", "INPUT", "-m tos --tos Minimize-Delay"},
	{IPv4, "mangle", "PREROUTING", "-m tos ! --tos 0x12/0x3e"},
	{IPv6, "filter", "OUTPUT", "-m tos --tos 0x20"},
	{IPv4, "filter", "FORWARD", "-p tcp -m tcpmss --mss 1400:1500"},
	{IPv6, "mangle", "POSTROUTING", "-p tcp -m tcpmss ! --mss 536 -j ACCEPT"},
	{IPv4, "filter", "FORWARD", "-m physdev --physdev-in veth+ ! --physdev-out br0-port1 --physdev-is-bridged"},
	{IPv6, "filter", "INPUT", "-m physdev ! --physdev-is-in --physdev-in + ! --physdev-is-bridged"},
	{IPv4, "filter", "OUTPUT", "-m physdev --physdev-is-out --physdev-is-bridged"},
	{IPv4, "filter", "INPUT", "-p tcp -m string --string 'GET /' --algo bm --to 100"},
	{IPv4, "filter", "FORWARD", `-m string ! --hex-string "a|00 01|\\|ff|" --algo kmp --from 20 --to 1000 --icase`},
	{IPv6, "filter", "OUTPUT", `-m string --string 'say "hi"' --algo kmp --icase`},
	{IPv6, "filter", "INPUT", `-m string --string 'x\' --algo bm`},
	{IPv4, "filter", "INPUT", `-p tcp -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x400:0x7FF,7 && 0 >> 22 & 0x3C @ 0 >> 16 = 80"`},
	{IPv6, "filter", "FORWARD", `-m u32 ! --u32 "6&0xFF=1:3,017&&4<<8=+5"`},
	{IPv4, "mangle", "PREROUTING", "-p tcp -m socket"},
	{IPv4, "filter", "INPUT", "-m socket --restore-skmark --transparent"},
	{IPv6, "mangle", "PREROUTING", "-m socket --nowildcard -j ACCEPT"},
	{IPv6, "filter", "INPUT", "-m socket --transparent --nowildcard --restore-skmark"},
	{IPv4, "filter", "INPUT", "-m connlabel --label 40"},
	{IPv6, "filter", "FORWARD", "-m connlabel ! --label 0x7f --set"},
	{IPv4, "filter", "INPUT", "-p tcp --dport 22 -m recent --set --name ssh --mask 255.255.255.255 --rsource"},
	{IPv4, "filter", "INPUT", "-p tcp --dport 22 -m recent ! --update --seconds 60 --reap --hitcount 4 --rttl --name ssh --mask 255.255.255.0"},
	{IPv6, "filter", "FORWARD", "-m recent --rcheck --rdest"},
	{IPv6, "filter", "INPUT", "-m recent --remove --name x --mask ffff:ffff::"},
	{IPv6, "filter", "INPUT", "-m ipv6header --header hop,dst,route,frag,auth,esp,none,prot"},
	{IPv6, "filter", "FORWARD", "-m ipv6header ! --header ip,,ipv6-frag --soft"},
	{IPv6, "filter", "INPUT", "-m eui64 -j ACCEPT"},
	{IPv6, "filter", "FORWARD", "-m srh --srh-next-hdr 17 ! --srh-hdr-len-gt 5 --srh-hdr-len-lt 9 --srh-segs-left-eq 1 --srh-last-entry-lt 4 ! --srh-tag 300"},
	{IPv6, "filter", "INPUT", "-m srh --srh-psid 2001:db8::1/64 ! --srh-nsid fd00::1 --srh-lsid ::/0 --srh-segs-left-gt 2"},
	{IPv4, "filter", "INPUT", "-m bpf --bytecode '4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0'"},
	{IPv6, "filter", "OUTPUT", "-m bpf --bytecode '1,6 0 0 65535,'"},
	{IPv4, "filter", "INPUT", "-p tcp -m osf --genre Linux"},
	{IPv4, "mangle", "PREROUTING", "-p tcp -m osf ! --genre Windows --ttl 2 --log 1"},
	{IPv4, "filter", "INPUT", "-m nfacct --nfacct-name http-in"},
	{IPv6, "filter", "FORWARD", "-m nfacct --nfacct-name 'a b.c'"},
	{IPv6, "filter", "INPUT", "-m hbh --hbh-len 22"},
	{IPv6, "filter", "INPUT", "-m hbh ! --hbh-len 16 --hbh-opts 1:2,5,0x7:255"},
	{IPv6, "filter", "FORWARD", "-m dst"},
	{IPv6, "filter", "OUTPUT", "-m dst ! --dst-len 24 --dst-opts 194:4"},
	{IPv6, "filter", "INPUT", "-m frag --fragid 100 --fragres --fragmore"},
	{IPv6, "filter", "INPUT", "-m frag ! --fragid 5:9 --fragres --fragfirst --fraglast"},
	{IPv6, "filter", "INPUT", "-m rt --rt-type 0 --rt-len 22 ! --rt-segsleft 26"},
	{IPv6, "filter", "FORWARD", "-m rt ! --rt-segsleft 300:400"},
	{IPv4, "filter", "FORWARD", "-m rateest --rateest eth0 --rateest-bps 8Kbit --rateest-gt"},
	{IPv4, "filter", "FORWARD", "-m rateest --rateest-delta --rateest1 a --rateest-pps1 10 ! --rateest-lt --rateest-pps2 3 --rateest2 b"},
	{IPv6, "filter", "INPUT", "-m rateest --rateest1 a --rateest-bps --rateest-eq --rateest2 b"},
	{IPv6, "filter", "INPUT", "-m rateest --rateest-delta --rateest1 a --rateest-bps1 1.5mbit --rateest-lt --rateest-bps2 800 --rateest2 b"},
	{IPv4, "filter", "OUTPUT", "-p icmp -m icmp ! --icmp-type any"},
	{IPv4, "filter", "FORWARD", "-m conntrack --ctorigdstport 80"},
	{IPv4, "filter", "FORWARD", "-m conntrack --ctstate NEW,DNAT --ctproto udp --ctorigsrc 10.0.0.0/8 ! --ctrepldst 10.1.2.0/24 --ctstatus ASSURED --ctexpire 5000000:6000000 ! --ctreplsrcport 1000:2000 --ctdir REPLY"},
	{IPv6, "filter", "INPUT", "-m conntrack ! --ctstate SNAT --ctorigdst 2001:db8::/32 --ctdir ORIGINAL"},
	{IPv6, "filter", "OUTPUT", "-m conntrack --ctstate INVALID,UNTRACKED,SNAT ! --ctstatus EXPECTED,CONFIRMED --ctrepldstport 53"},
	{IPv4, "filter", "INPUT", "-m addrtype --src-type THROW"},
	{IPv4, "filter", "INPUT", "-m addrtype ! --src-type LOCAL,NAT --dst-type XRESOLVE,UNICAST --limit-iface-in"},
	{IPv4, "filter", "OUTPUT", "-m addrtype --dst-type THROW --limit-iface-out"},
	{IPv6, "filter", "INPUT", "-m ah --ahspi 5:6 --ahlen 22 --ahres"},
	{IPv6, "filter", "INPUT", "-m ah ! --ahlen 4"},
}

// setupXtCase creates the kernel objects a case's rule names, which the
// kernel looks up when the rule is added: nfacct's accounting objects,
// rateest's estimators (made by an iptables-legacy -j RATEEST rule).
func setupXtCase(t *testing.T, ns *netnstest.NS, raw *netlink.Conn, c xtCase) {
	t.Helper()
	r, err := ParseString(c.fam, c.args)
	if err != nil {
		return
	}
	for _, m := range r.Matches {
		if n, ok := m.(*Nfacct); ok {
			if err := rawNewNfacct(raw, n.AcctName); err != nil {
				t.Fatalf("creating nfacct object %q: %v", n.AcctName, err)
			}
		}
		if e, ok := m.(*Rateest); ok {
			for _, name := range []string{e.Name1, e.Name2} {
				if name != "" {
					ns.Exec("iptables-legacy", "-t", "mangle", "-A", "PREROUTING", "-j", "RATEEST", "--rateest-name", name,
						"--rateest-interval", "250ms", "--rateest-ewmalog", "0.5s")
				}
			}
		}
	}
}

// NFACCT_NAME and NFNL_MSG_ACCT_NEW (linux/netfilter/nfnetlink_acct.h),
// which x/sys/unix does not define.
const (
	nfacctName     = 1
	nfnlMsgAcctNew = 0
)

// rawNewNfacct creates (or resets) an extended accounting object, as
// "nfacct add NAME" does.
func rawNewNfacct(c *netlink.Conn, name string) error {
	ae := netlink.NewAttributeEncoder()
	ae.String(nfacctName, name)
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_ACCT<<8 | nfnlMsgAcctNew), Flags: netlink.Request | netlink.Acknowledge | netlink.Create},
		Data:   append(nfgenmsg(unix.AF_UNSPEC, 0), attrs...),
	})
	return err
}

// sameArgs reports whether two iptables-save lines are the same arguments
// (iptables quotes some values that nftsync leaves bare: --string "x").
func sameArgs(a, b string) bool {
	x, errA := SplitArgs(a)
	y, errB := SplitArgs(b)
	return errA == nil && errB == nil && slices.Equal(x, y)
}

// ruleCompat encodes the NFTA_RULE_COMPAT attribute the nft engine sends
// with the rule (nft/compat.go), or nil when it sends none.
func ruleCompat(t *testing.T, r *Rule) []byte {
	t.Helper()
	tr, err := r.TranslateExprs()
	if err != nil || !tr.Compat() {
		return nil
	}
	proto, invert, ok := r.CompatProto()
	if !ok {
		return nil
	}
	return compatAttr(t, proto, invert)
}

// compatAttr encodes NFTA_RULE_COMPAT for the protocol proto.
func compatAttr(t *testing.T, proto uint8, invert bool) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Nested(unix.NFTA_RULE_COMPAT, func(nae *netlink.AttributeEncoder) error {
		nae.Uint32(unix.NFTA_RULE_COMPAT_PROTO, uint32(proto))
		nae.Uint32(unix.NFTA_RULE_COMPAT_FLAGS, uint32(b2i(invert))*unix.NFT_RULE_COMPAT_F_INV)
		return nil
	})
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
