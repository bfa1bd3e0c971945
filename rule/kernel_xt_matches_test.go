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
