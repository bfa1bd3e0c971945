package rule

import (
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Reject is -j REJECT [--reject-with TYPE]: drop the packet and answer with
// an ICMP(v6) error or a TCP reset. With is the canonical type name as
// iptables-save prints it (icmp-port-unreachable or icmp6-port-unreachable
// when not given).
type Reject struct {
	With string
	fam  Family
	set  bool
}

// rejectType is one --reject-with type: its iptables names and what nft
// calls it and builds for it.
type rejectType struct {
	name, alias string
	nft         string // "" for the default (plain "reject")
	tcpReset    bool
	code        uint8
}

// rejectTypes are iptables' tables, in iptables' order: an abbreviated
// --reject-with matches the first entry it is a prefix of.
var rejectTypes = map[Family][]rejectType{
	IPv4: {
		{"icmp-net-unreachable", "net-unreach", "net-unreachable", false, 0},
		{"icmp-host-unreachable", "host-unreach", "host-unreachable", false, 1},
		{"icmp-proto-unreachable", "proto-unreach", "prot-unreachable", false, 2},
		{"icmp-port-unreachable", "port-unreach", "", false, 3},
		{"icmp-net-prohibited", "net-prohib", "net-prohibited", false, 9},
		{"icmp-host-prohibited", "host-prohib", "host-prohibited", false, 10},
		{"tcp-reset", "tcp-rst", "tcp reset", true, 0},
		{"icmp-admin-prohibited", "admin-prohib", "admin-prohibited", false, 13},
	},
	IPv6: {
		{"icmp6-no-route", "no-route", "no-route", false, 0},
		{"icmp6-adm-prohibited", "adm-prohibited", "admin-prohibited", false, 1},
		{"icmp6-addr-unreachable", "addr-unreach", "addr-unreachable", false, 3},
		{"icmp6-port-unreachable", "port-unreach", "", false, 4},
		{"tcp-reset", "tcp-reset", "tcp reset", true, 0},
		{"icmp6-policy-fail", "policy-fail", "policy-fail", false, 5},
		{"icmp6-reject-route", "reject-route", "reject-route", false, 6},
	},
}

// lookupReject finds a --reject-with value as iptables does: a
// case-insensitive prefix of a name or alias.
func lookupReject(fam Family, v string) (rejectType, bool) {
	if v == "" {
		return rejectType{}, false
	}
	lv := strings.ToLower(v)
	for _, t := range rejectTypes[fam] {
		if strings.HasPrefix(t.name, lv) || strings.HasPrefix(t.alias, lv) {
			return t, true
		}
	}
	return rejectType{}, false
}

func newReject(r *Rule) (Target, error) {
	return &Reject{With: rejectTypes[r.Family][3].name, fam: r.Family}, nil
}

// Name returns "REJECT".
func (j *Reject) Name() string { return "REJECT" }

func (j *Reject) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--reject-with" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	v, err := p.onceValue(opt, j.set)
	if err != nil {
		return true, err
	}
	t, ok := lookupReject(j.fam, v)
	if !ok {
		other := IPv6
		if j.fam == IPv6 {
			other = IPv4
		}
		if _, ok := lookupReject(other, v); ok {
			return true, argError(v, "is an %s reject type; this is an %s rule", famWord(other), famWord(j.fam))
		}
		return true, argError(v, "unknown reject type")
	}
	j.With, j.set = t.name, true
	return true, nil
}

func (j *Reject) typ() rejectType {
	t, _ := lookupReject(j.fam, j.With)
	return t
}

func (j *Reject) finish(r *Rule) error {
	// The kernel refuses a TCP reset for anything but -p tcp.
	if j.typ().tcpReset && (!r.Proto.Set || r.Proto.Invert || r.Proto.Num != protoTCP) {
		return argError("--reject-with", "tcp-reset needs -p tcp")
	}
	return nil
}

func (j *Reject) args() []string { return []string{"--reject-with", j.With} }

func (j *Reject) xlate(x *xlator) error {
	t := j.typ()
	switch {
	case t.tcpReset:
		exprs := append(x.needL4(protoTCP), &expr.Reject{Type: unix.NFT_REJECT_TCP_RST})
		x.add("reject with tcp reset", exprs...)
	case t.nft == "":
		x.add("reject", &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: t.code})
	default:
		kind := "icmp"
		if j.fam == IPv6 {
			kind = "icmpv6"
		}
		x.add("reject with "+kind+" type "+t.nft, &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: t.code})
	}
	return nil
}
