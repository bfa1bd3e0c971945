package nft

import (
	"strings"

	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// DefaultOwner is the owner used when WithOwner is not given: tables are
// named "nftsync-filter", "nftsync-nat", ...
const DefaultOwner = firewall.DefaultOwner

// baseSpec is how a built-in iptables chain is hooked, as iptables-nft does.
type baseSpec struct {
	Type     string // filter, nat, route
	Hook     uint32
	Priority int32
}

// baseChains maps iptables table → built-in chain → hook, type, priority.
var baseChains = map[string]map[string]baseSpec{
	"filter": {
		"INPUT":   {"filter", unix.NF_INET_LOCAL_IN, 0},
		"FORWARD": {"filter", unix.NF_INET_FORWARD, 0},
		"OUTPUT":  {"filter", unix.NF_INET_LOCAL_OUT, 0},
	},
	"nat": {
		"PREROUTING":  {"nat", unix.NF_INET_PRE_ROUTING, -100},
		"INPUT":       {"nat", unix.NF_INET_LOCAL_IN, 100},
		"OUTPUT":      {"nat", unix.NF_INET_LOCAL_OUT, -100},
		"POSTROUTING": {"nat", unix.NF_INET_POST_ROUTING, 100},
	},
	"mangle": {
		"PREROUTING":  {"filter", unix.NF_INET_PRE_ROUTING, -150},
		"INPUT":       {"filter", unix.NF_INET_LOCAL_IN, -150},
		"FORWARD":     {"filter", unix.NF_INET_FORWARD, -150},
		"OUTPUT":      {"route", unix.NF_INET_LOCAL_OUT, -150},
		"POSTROUTING": {"filter", unix.NF_INET_POST_ROUTING, -150},
	},
	"raw": {
		"PREROUTING": {"filter", unix.NF_INET_PRE_ROUTING, -300},
		"OUTPUT":     {"filter", unix.NF_INET_LOCAL_OUT, -300},
	},
	"security": {
		"INPUT":   {"filter", unix.NF_INET_LOCAL_IN, 50},
		"FORWARD": {"filter", unix.NF_INET_FORWARD, 50},
		"OUTPUT":  {"filter", unix.NF_INET_LOCAL_OUT, 50},
	},
}

// base returns the hook of a built-in chain, or nil for a user chain.
func base(table, chain string) *baseSpec {
	if s, ok := baseChains[table][chain]; ok {
		return &s
	}
	return nil
}

// tableID names one owned nftables table: a family and an iptables table.
type tableID struct {
	Fam   rule.Family
	Table string // iptables table name
}

// nfproto returns the nftables family number of a rule family.
func nfproto(f rule.Family) uint8 {
	if f == rule.IPv6 {
		return unix.NFPROTO_IPV6
	}
	return unix.NFPROTO_IPV4
}

// famOf returns the rule family of an nftables family number.
func famOf(p uint8) (rule.Family, bool) {
	switch p {
	case unix.NFPROTO_IPV4:
		return rule.IPv4, true
	case unix.NFPROTO_IPV6:
		return rule.IPv6, true
	}
	return 0, false
}

// nftName returns the nftables table name for an owner and iptables table.
func nftName(owner, table string) string { return owner + "-" + table }

// ownedTable reports which iptables table an nftables table name stands
// for, if the table belongs to owner.
func ownedTable(owner, name string) (string, bool) {
	t, ok := strings.CutPrefix(name, owner+"-")
	if !ok {
		return "", false
	}
	if _, known := firewall.BuiltinChains[t]; !known {
		return "", false
	}
	return t, true
}

// Netfilter verdicts used as chain policies.
const (
	nfDrop   = 0
	nfAccept = 1
)

// policyValue returns the nftables verdict of a chain policy.
func policyValue(p string) uint32 {
	if p == "DROP" {
		return nfDrop
	}
	return nfAccept
}

// policyName returns the iptables name of an nftables policy.
func policyName(v uint32) string {
	if v == nfDrop {
		return "DROP"
	}
	return "ACCEPT"
}
