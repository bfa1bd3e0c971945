package nft

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/nftsync/nftsync/rule"
	"github.com/nftsync/nftsync/rule/xt"
	"golang.org/x/sys/unix"
)

// A rule placed in iptables-nft's own tables is encoded exactly as
// iptables-nft 1.8.9 writes it (nft_ipv4_add / nft_ipv6_add in
// iptables/nft-ipv4.c, nft-ipv6.c), so that iptables-nft-save and
// iptables-nft -D/-C keep working for every user of the host: the header
// matches as native meta/payload/bitwise/cmp expressions in iptables-nft's
// order (in-interface, out-interface, protocol, source, destination,
// fragment), every -m match as an xt compat expression, a counter, then
// the verdict (native immediate) or the target (xt compat). Checked byte
// for byte against what iptables-nft -A writes by placement_kernel_test.go.
//
// Native forms nftsync uses in its own tables (a comment in userdata,
// ct state, ...) are not used here: iptables-nft-save reads some of them
// differently and calls the whole table incompatible for others.

// placedExprs returns the expressions iptables-nft writes for r, or an
// error naming what nftsync cannot encode that way yet.
func placedExprs(r *rule.Rule, table string) ([]expr.Any, error) {
	var out []expr.Any
	var err error
	if out, err = placedIface(out, expr.MetaKeyIIFNAME, "-i", r.In); err != nil {
		return nil, err
	}
	if out, err = placedIface(out, expr.MetaKeyOIFNAME, "-o", r.Out); err != nil {
		return nil, err
	}
	switch {
	case r.Proto.Set && r.Proto.Num == 0 && r.Proto.Invert:
		return nil, fmt.Errorf("! -p all never matches and has no iptables-nft encoding")
	case r.Proto.Set && r.Proto.Num != 0:
		out = append(out, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: cmpOp(r.Proto.Invert), Register: 1, Data: []byte{r.Proto.Num}})
	}
	src, dst := uint32(12), uint32(16)
	if r.Family == rule.IPv6 {
		src, dst = 8, 24
	}
	if out, err = placedAddr(out, "-s", src, r.Src); err != nil {
		return nil, err
	}
	if out, err = placedAddr(out, "-d", dst, r.Dst); err != nil {
		return nil, err
	}
	if r.Fragment {
		if r.Family == rule.IPv6 {
			return nil, fmt.Errorf("-f is IPv4 only")
		}
		// The 13 offset bits of frag_off: non-zero is a fragment.
		out = append(out,
			&expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 6, Len: 2},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: []byte{0x1f, 0xff}, Xor: []byte{0, 0}},
			&expr.Cmp{Op: cmpOp(!r.FragmentInvert), Register: 1, Data: []byte{0, 0}})
	}
	for _, m := range r.Matches {
		x, err := placedMatch(m)
		if err != nil {
			x, err = placedXt(m, err)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	// iptables-nft counts before the verdict, so that a rule counts once.
	out = append(out, &expr.Counter{})
	x, err := placedTarget(out, r)
	if err != nil && r.Target != nil {
		var t []expr.Any
		if t, err = placedXt(r.Target, err); err == nil {
			x = append(out, t...)
		}
	}
	if err != nil {
		return nil, err
	}
	return x, checkXtTables(x, table)
}

// checkXtTables refuses, before the kernel does, an xtables extension
// whose kernel code loads only in tables of other names (REJECT in
// "filter", MASQUERADE in "nat", TPROXY in "mangle", ...).
func checkXtTables(exprs []expr.Any, table string) error {
	for _, x := range exprs {
		kind, name, _, _, ok := xt.Info(x)
		if !ok {
			continue
		}
		if e := xt.Lookup(kind, name); e != nil && e.Table != "" && !slices.Contains(strings.Split(e.Table, "|"), table) {
			return fmt.Errorf("the kernel's %s %s loads only in a table named %s, not %s", e.Name, e.Kind, strings.ReplaceAll(e.Table, "|", " or "), table)
		}
	}
	return nil
}

// placedXt is the xtables form package rule has for an extension (owner,
// connlimit, TPROXY, ...: see rule.XtForm), which iptables-nft writes and
// reads as such, or notYet when it has none.
func placedXt(ext any, notYet error) ([]expr.Any, error) {
	e, info, ok := rule.XtForm(ext)
	if !ok {
		return nil, notYet
	}
	x, err := e.Expr(info)
	if err != nil {
		return nil, err
	}
	return []expr.Any{x}, nil
}

func cmpOp(invert bool) expr.CmpOp {
	if invert {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

// placedIface is iptables-nft's add_iniface/add_outiface: "eth+" compares
// the prefix "eth", "eth0" the name with its NUL, "+" loads the name and
// compares nothing.
func placedIface(out []expr.Any, key expr.MetaKey, opt string, i rule.Iface) ([]expr.Any, error) {
	if i.Name == "" {
		return out, nil
	}
	out = append(out, &expr.Meta{Key: key, Register: 1})
	name, wildcard := strings.CutSuffix(i.Name, "+")
	switch {
	case wildcard && name == "" && i.Invert:
		return nil, fmt.Errorf("! %s + never matches in iptables-legacy but matches everything as iptables-nft writes it", opt)
	case wildcard && name == "":
		return out, nil
	case wildcard:
		return append(out, &expr.Cmp{Op: cmpOp(i.Invert), Register: 1, Data: []byte(name)}), nil
	}
	return append(out, &expr.Cmp{Op: cmpOp(i.Invert), Register: 1, Data: append([]byte(name), 0)}), nil
}

// placedAddr is iptables-nft's add_addr: the bytes the mask covers in
// full are loaded and compared; a mask with a partial byte loads the whole
// address and masks it first.
func placedAddr(out []expr.Any, opt string, off uint32, a rule.Addr) ([]expr.Any, error) {
	if !a.Set {
		return out, nil
	}
	ip, mask := a.IP.AsSlice(), a.Mask.AsSlice()
	if a.IP.IsUnspecified() && a.Mask.IsUnspecified() {
		if a.Invert {
			return nil, fmt.Errorf("! %s of /0 never matches and has no iptables-nft encoding", opt)
		}
		return out, nil
	}
	n := len(mask)
	for i, m := range mask {
		if m != 0xff {
			n = i
			break
		}
	}
	bitwise := false
	for _, m := range mask[n:] {
		bitwise = bitwise || m != 0
	}
	if bitwise {
		n = len(mask)
	}
	out = append(out, &expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: uint32(n)})
	if bitwise {
		out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: uint32(n), Mask: mask, Xor: make([]byte, n)})
	}
	return append(out, &expr.Cmp{Op: cmpOp(a.Invert), Register: 1, Data: ip[:n]}), nil
}

// placedMatch returns the expressions iptables-nft writes for a match:
// the xt compat expression, or for tcp and udp ports its native form.
func placedMatch(m rule.Match) ([]expr.Any, error) {
	switch v := m.(type) {
	case *rule.Comment:
		info, err := xt.Comment{Text: v.Text}.Marshal()
		if err != nil {
			return nil, err
		}
		x, err := xt.CommentMatch.Expr(info)
		return []expr.Any{x}, err
	case *rule.UDP:
		return placedPorts("udp", v.SPort, v.DPort)
	case *rule.Conntrack:
		return placedConntrack(v)
	case *rule.Multiport:
		return placedMultiport(v)
	case *rule.ICMP:
		info := xt.Icmp{Type: v.Type, CodeMin: v.CodeMin, CodeMax: v.CodeMax, Invert: v.Invert}
		if v.Any {
			info = xt.Icmp{Type: 0xff, CodeMin: 0, CodeMax: 0xff, Invert: v.Invert}
		}
		ext := xt.IcmpMatch
		if v.V6 {
			ext = xt.Icmp6Match
		}
		x, err := ext.Expr(info.Marshal())
		return []expr.Any{x}, err
	case *rule.Limit:
		return []expr.Any{placedLimit(v)}, nil
	case *rule.MarkMatch:
		// Native, as iptables-nft writes it: the mask only when not
		// all ones.
		out := []expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}}
		if v.Mask != 0xffffffff {
			out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: hostU32(v.Mask), Xor: make([]byte, 4)})
		}
		return append(out, &expr.Cmp{Op: cmpOp(v.Invert), Register: 1, Data: hostU32(v.Value)}), nil
	case *rule.State:
		info := xt.Conntrack{MatchFlags: xt.ConntrackState | xt.ConntrackStateAlias, StateMask: ctStateBits(v.Mask)}
		if v.Invert {
			info.InvertFlags = xt.ConntrackState
		}
		x, err := xt.ConntrackMatch.Expr(info.Marshal())
		return []expr.Any{x}, err
	case *rule.TCP:
		if v.FlagsSet || v.Option != 0 {
			break
		}
		return placedPorts("tcp", v.SPort, v.DPort)
	}
	return nil, fmt.Errorf("-m %s has no xtables encoding in nftsync yet, so it cannot be placed in iptables' own tables", m.Name())
}

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
	}
	return nil, fmt.Errorf("-j %s has no xtables encoding in nftsync yet, so it cannot be placed in iptables' own tables", t.Name())
}

// placedCompat returns the NFTA_RULE_COMPAT attribute iptables-nft sends
// with every rule (add_compat): the -p protocol and whether it is
// negated, which xt matches such as tcp check. The kernel does not store
// it; it only reaches the extensions' checkentry.
func placedCompat(r *rule.Rule) attrs {
	var proto, flags uint32
	if r.Proto.Set {
		proto = uint32(r.Proto.Num)
		if r.Proto.Invert {
			flags = unix.NFT_RULE_COMPAT_F_INV
		}
	}
	inner := attrs(nil).u32(unix.NFTA_RULE_COMPAT_PROTO, proto).u32(unix.NFTA_RULE_COMPAT_FLAGS, flags)
	return attrs(nil).nested(unix.NFTA_RULE_COMPAT, inner)
}

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

// placedPorts is iptables-nft's native form of tcp and udp port matches
// (add_nft_tcpudp): both ports single and not negated are one 4-byte load
// of the transport header; otherwise each port is a 2-byte load with a cmp
// (one port) or a range. The match needs -p, which the header loaded.
// Other forms (no port, a port range of 0:65535, TCP flags or options)
// are written as the xt match by iptables-nft, which nftsync does not
// encode yet.
func placedPorts(name string, sp, dp rule.PortMatch) ([]expr.Any, error) {
	full := func(p rule.PortMatch) bool { return p.Set && p.Lo == 0 && p.Hi == 0xffff }
	if !sp.Set && !dp.Set || full(sp) || full(dp) {
		return nil, fmt.Errorf("-m %s without ports, or with 0:65535, has no encoding in nftsync yet, so it cannot be placed in iptables' own tables", name)
	}
	load := func(off, n uint32) expr.Any {
		return &expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: n}
	}
	be := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
	if sp.Set && dp.Set && sp.Lo == sp.Hi && dp.Lo == dp.Hi && !sp.Invert && !dp.Invert {
		return []expr.Any{load(0, 4), &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: append(be(sp.Lo), be(dp.Lo)...)}}, nil
	}
	var out []expr.Any
	for i, p := range []rule.PortMatch{sp, dp} {
		if !p.Set {
			continue
		}
		out = append(out, load(uint32(2*i), 2))
		if p.Lo == p.Hi {
			out = append(out, &expr.Cmp{Op: cmpOp(p.Invert), Register: 1, Data: be(p.Lo)})
			continue
		}
		out = append(out, &expr.Range{Op: cmpOp(p.Invert), Register: 1, FromData: be(p.Lo), ToData: be(p.Hi)})
	}
	return out, nil
}

// placedConntrack is libxt_conntrack's revision 3 info for --ctstate and
// --ctstatus; the other options are refused.
func placedConntrack(c *rule.Conntrack) ([]expr.Any, error) {
	if c.Proto.Set || c.OrigSrc.Set || c.OrigDst.Set || c.ReplSrc.Set || c.ReplDst.Set || c.Expire.Set || c.Dir != "" ||
		c.Ports[0].Set || c.Ports[1].Set || c.Ports[2].Set || c.Ports[3].Set {
		return nil, fmt.Errorf("-m conntrack with options other than --ctstate and --ctstatus has no encoding in nftsync yet, so it cannot be placed in iptables' own tables")
	}
	var info xt.Conntrack
	if c.StateSet {
		info.MatchFlags |= xt.ConntrackState
		info.StateMask = ctStateBits(c.State)
		if c.StateInvert {
			info.InvertFlags |= xt.ConntrackState
		}
	}
	if c.StatusSet {
		info.MatchFlags |= xt.ConntrackStatus
		info.StatusMask = uint16(c.Status)
		if c.StatusInvert {
			info.InvertFlags |= xt.ConntrackStatus
		}
	}
	x, err := xt.ConntrackMatch.Expr(info.Marshal())
	return []expr.Any{x}, err
}

// ctStateBits maps package rule's state bits (nft's ct state, plus SNAT
// and DNAT) to xt_conntrack's.
func ctStateBits(m uint32) uint16 {
	var out uint16
	for _, b := range []struct {
		from uint32
		to   uint16
	}{
		{rule.CtStateInvalid, xt.CtInvalid}, {rule.CtStateEstablished, xt.CtEstablished},
		{rule.CtStateRelated, xt.CtRelated}, {rule.CtStateNew, xt.CtNew},
		{rule.CtStateUntracked, xt.CtUntracked}, {rule.CtStateSNAT, xt.CtSNAT}, {rule.CtStateDNAT, xt.CtDNAT},
	} {
		if m&b.from != 0 {
			out |= b.to
		}
	}
	return out
}

// hostU32 is a 32-bit value in host byte order, as meta mark loads it.
func hostU32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// placedMultiport is libxt_multiport's revision 1 info.
func placedMultiport(m *rule.Multiport) ([]expr.Any, error) {
	info := xt.Multiport{Invert: m.Invert}
	switch m.Dir {
	case "--sports":
		info.Flags = xt.MultiportSource
	case "--dports":
		info.Flags = xt.MultiportDestination
	default:
		info.Flags = xt.MultiportEither
	}
	for _, p := range m.Ports {
		info.Ranges = append(info.Ranges, [2]uint16{p.Lo, p.Hi})
	}
	b, err := info.Marshal()
	if err != nil {
		return nil, err
	}
	x, err := xt.MultiportMatch.Expr(b)
	return []expr.Any{x}, err
}

// placedLimit is the native limit iptables-nft writes for -m limit
// (add_nft_limit): the largest unit, from a day down to a second, in which
// the average period still gives a whole rate.
func placedLimit(l *rule.Limit) expr.Any {
	const scale = 10000 // XT_LIMIT_SCALE
	mult := []uint64{scale * 24 * 60 * 60, scale * 60 * 60, scale * 60, scale}
	avg := uint64(l.Period)
	i := 1
	for ; i < len(mult); i++ {
		if avg > mult[i] || mult[i]/avg < mult[i]%avg {
			break
		}
	}
	return &expr.Limit{Type: expr.LimitTypePkts, Rate: mult[i-1] / avg, Unit: expr.LimitTime(mult[i-1] / scale), Burst: l.Burst}
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
