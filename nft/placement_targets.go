package nft

import (
	"fmt"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
)

// The targets of a placed rule, as iptables-nft 1.8.9 writes them: the
// standard verdicts and jumps native, the others as xtables targets at
// the revisions it picks.

// placedTarget appends the verdict or target iptables-nft writes.
func placedTarget(out []expr.Any, r *rule.Rule) ([]expr.Any, error) {
	t := r.Target
	switch v := t.(type) {
	case nil:
		return out, nil
	case *rule.Verdict:
		var k expr.VerdictKind
		switch v.Kind {
		case "ACCEPT":
			k = expr.VerdictAccept
		case "DROP":
			k = expr.VerdictDrop
		case "RETURN":
			k = expr.VerdictReturn
		default:
			return nil, fmt.Errorf("-j %s has no iptables-nft encoding", v.Kind)
		}
		return append(out, &expr.Verdict{Kind: k}), nil
	case *rule.Jump:
		k := expr.VerdictJump
		if v.Goto {
			k = expr.VerdictGoto
		}
		return append(out, &expr.Verdict{Kind: k, Chain: v.Chain}), nil
	case *rule.Masquerade:
		x, err := placedMasquerade(r.Family, v)
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.NAT:
		x, err := placedNAT(r.Family, v)
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Mark:
		x, err := xt.MarkTarget.Expr(xt.MarkXor(v.Value, v.Mask))
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Reject:
		with := xt.RejectIPv4
		if r.Family == rule.IPv6 {
			with = xt.RejectIPv6
		}
		n, ok := with[v.With]
		if !ok {
			return nil, fmt.Errorf("-j REJECT --reject-with %s has no xtables encoding in nftsync", v.With)
		}
		x, err := xt.RejectTarget.Expr(xt.RejectWith(n))
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Log:
		if len(v.Prefix) > xt.LogPrefixMax {
			return nil, fmt.Errorf("-j LOG: a prefix of %d bytes; xt_LOG holds at most %d", len(v.Prefix), xt.LogPrefixMax)
		}
		x, err := xt.LogTarget.Expr(xt.Log{Level: v.Level, Flags: v.Flags, Prefix: v.Prefix}.Marshal())
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Redirect:
		x, err := placedRedirect(r.Family, v)
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	case *rule.Trace:
		// Native, as iptables-nft writes it: a one-byte 1 in the first
		// 32-bit register, then meta nftrace set.
		return append(out, &expr.Immediate{Register: 9, Data: []byte{1}},
			&expr.Meta{Key: expr.MetaKeyNFTRACE, SourceRegister: true, Register: 9}), nil
	case *rule.DSCP:
		return placedSimple(out, dscpTarget, []byte{v.Value})
	case *rule.Classify:
		return placedSimple(out, classifyTarget, hostU32(uint32(v.Major)<<16|uint32(v.Minor)))
	case *rule.Audit:
		n, ok := auditTypes[v.Type]
		if !ok {
			return nil, fmt.Errorf("-j AUDIT --type %s has no xtables encoding", v.Type)
		}
		return placedSimple(out, auditTarget, []byte{n})
	case *rule.NoTrack:
		// libxt_CT's NOTRACK alias: CT revision 2 with --notrack and the
		// alias flag, which iptables-nft-save prints back as -j NOTRACK.
		x, err := xt.CTTarget.Expr(xt.CT{Flags: xt.CTNoTrack | ctNoTrackAlias}.Marshal())
		if err != nil {
			return nil, err
		}
		return append(out, x), nil
	}
	return nil, fmt.Errorf("-j %s has no xtables encoding in nftsync yet, so it cannot be placed in iptables' own tables", t.Name())
}

// ctNoTrackAlias is XT_CT_NOTRACK_ALIAS: the CT target was written as -j
// NOTRACK (the kernel accepts it and ignores it).
const ctNoTrackAlias = 1 << 1

// placedMasquerade is libipt_MASQUERADE's and libip6t_MASQUERADE's info:
// --to-ports sets the range, --random and --random-fully their flags.
func placedMasquerade(fam rule.Family, m *rule.Masquerade) (expr.Any, error) {
	if m.Persistent {
		return nil, fmt.Errorf("MASQUERADE has no --persistent")
	}
	info := xt.Masquerade{Flags: natFlags(m.NATFlags)}
	if m.PortsSet {
		info.Flags |= xt.NATProtoSpecified
		info.MinPort, info.MaxPort = m.Ports.Lo, m.Ports.Hi
	}
	if fam == rule.IPv6 {
		return xt.Masquerade6Target.Expr(info.Marshal6())
	}
	return xt.MasqueradeTarget.Expr(info.Marshal())
}

// natFlags are the NF_NAT_RANGE_* flags of --random, --persistent and
// --random-fully.
func natFlags(f rule.NATFlags) uint32 {
	var out uint32
	if f.Random {
		out |= xt.NATProtoRandom
	}
	if f.Persistent {
		out |= xt.NATPersistent
	}
	if f.FullyRandom {
		out |= xt.NATRandomFully
	}
	return out
}

// placedNAT is libipt_SNAT's (IPv4, revision 0), libip6t_SNAT's (IPv6,
// revision 1) or libxt_DNAT's (revision 2) info.
func placedNAT(fam rule.Family, n *rule.NAT) (expr.Any, error) {
	r := xt.NATRange{Flags: natFlags(n.NATFlags), MinAddr: n.Range.Min, MaxAddr: n.Range.Max}
	if r.MinAddr.IsValid() {
		r.Flags |= xt.NATMapIPs
		if !r.MaxAddr.IsValid() {
			r.MaxAddr = r.MinAddr
		}
	}
	if n.Range.Ports {
		r.Flags |= xt.NATProtoSpecified
		r.MinPort, r.MaxPort = n.Range.Lo, n.Range.Hi
	}
	switch {
	case n.Kind == "DNAT":
		return xt.DNATTarget.Expr(r.MarshalRange2())
	case fam == rule.IPv6:
		return xt.SNAT6Target.Expr(r.MarshalRange())
	}
	return xt.SNATTarget.Expr(r.MarshalCompat())
}

// Targets whose info is one small field, at revision 0 as iptables 1.8.9
// writes them; in nftsync's own tables they are nft's native statements
// (ip dscp set, meta priority set, log level audit), so package xt does
// not register them: checkXtTables knows their tables from placedOnly.
var (
	dscpTarget     = &xt.Ext{Kind: xt.Target, Name: "DSCP", Rev: 0, Families: xt.BothFamilies, Table: "mangle", Size: 8}
	classifyTarget = &xt.Ext{Kind: xt.Target, Name: "CLASSIFY", Rev: 0, Families: xt.BothFamilies, Table: "mangle", Size: 8}
	auditTarget    = &xt.Ext{Kind: xt.Target, Name: "AUDIT", Rev: 0, Families: xt.BothFamilies, Size: 8}
	// auditTypes are XT_AUDIT_TYPE_*.
	auditTypes = map[string]byte{"accept": 0, "drop": 1, "reject": 2}
)

// placedOnly are the targets placement encodes that package xt does not
// register, by name.
var placedOnly = map[string]*xt.Ext{}

func init() {
	for _, e := range []*xt.Ext{dscpTarget, classifyTarget, auditTarget, redirectTarget} {
		placedOnly[e.Name] = e
	}
}

// placedSimple appends target e with info: the first bytes of its Size.
func placedSimple(out []expr.Any, e *xt.Ext, info []byte) ([]expr.Any, error) {
	b := make([]byte, e.Size)
	copy(b, info)
	x, err := e.Expr(b)
	if err != nil {
		return nil, err
	}
	return append(out, x), nil
}

// The REDIRECT target as iptables 1.8.9 writes it: revision 0 in both
// families, IPv4's with struct nf_nat_ipv4_multi_range_compat (as
// MASQUERADE's), IPv6's with struct nf_nat_range. In nftsync's own tables
// REDIRECT is nft's native redirect, so package xt does not register it;
// checkXtTables knows its table from placedOnly.
var (
	redirectTarget  = &xt.Ext{Kind: xt.Target, Name: "REDIRECT", Rev: 0, Families: xt.IPv4, Table: "nat", Size: 24}
	redirect6Target = &xt.Ext{Kind: xt.Target, Name: "REDIRECT", Rev: 0, Families: xt.IPv6, Table: "nat", Size: 40}
)

// placedRedirect is libipt_REDIRECT's or libip6t_REDIRECT's info:
// --to-ports sets the range, --random its flag.
func placedRedirect(fam rule.Family, d *rule.Redirect) (expr.Any, error) {
	r := xt.NATRange{Flags: natFlags(d.NATFlags)}
	if d.PortsSet {
		r.Flags |= xt.NATProtoSpecified
		r.MinPort, r.MaxPort = d.Ports.Lo, d.Ports.Hi
	}
	if fam == rule.IPv6 {
		return redirect6Target.Expr(r.MarshalRange())
	}
	return redirectTarget.Expr(r.MarshalCompat())
}
