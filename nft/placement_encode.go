package nft

import (
	"fmt"
	"net/netip"
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
// fragment), the matches (placement_matches.go), a counter, then the
// verdict or target (placement_targets.go). Checked byte
// for byte against what iptables-nft -A writes by placement_test.go.
//
// Native forms nftsync uses in its own tables (a comment in userdata,
// ct state, ...) are not used here: iptables-nft-save reads some of them
// differently and calls the whole table incompatible for others.

// placedExprs returns the expressions iptables-nft writes for r, or an
// error naming what nftsync cannot encode that way yet.
func placedExprs(r *rule.Rule, table string) ([]expr.Any, error) {
	var out []expr.Any
	var err error
	if out, err = placedIface(out, r.Family, expr.MetaKeyIIFNAME, "-i", r.In); err != nil {
		return nil, err
	}
	if out, err = placedIface(out, r.Family, expr.MetaKeyOIFNAME, "-o", r.Out); err != nil {
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
			x, err = placedXt(r.Family, m, err)
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
		if t, err = placedXt(r.Family, r.Target, err); err == nil {
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
// reads as such, or notYet when it has none, or none for the rule's
// family (the kernel would read another family's struct: ip6t_ah's
// invflags are not where ipt_ah has them).
func placedXt(fam rule.Family, ext any, notYet error) ([]expr.Any, error) {
	e, info, ok := rule.XtForm(ext)
	if !ok {
		return nil, notYet
	}
	if fams := map[rule.Family]xt.Families{rule.IPv4: xt.IPv4, rule.IPv6: xt.IPv6}[fam]; e.Families&fams == 0 {
		return nil, fmt.Errorf("%w (its xtables form, %s, is for %s only)", notYet, e, familiesText(e.Families))
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
// compares nothing. "! -i +" never matches in iptables-legacy, but
// iptables-nft writes it as "-i +", which matches everything: it is
// placed as another test that never matches and that iptables-nft-save
// prints and iptables-nft-restore takes back (see placedNoAddr).
func placedIface(out []expr.Any, fam rule.Family, key expr.MetaKey, opt string, i rule.Iface) ([]expr.Any, error) {
	if i.Name == "" {
		return out, nil
	}
	name, wildcard := strings.CutSuffix(i.Name, "+")
	if wildcard && name == "" && i.Invert {
		return placedNoAddr(out, fam, false)
	}
	out = append(out, &expr.Meta{Key: key, Register: 1})
	switch {
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
			fam := rule.IPv4
			if len(mask) == 16 {
				fam = rule.IPv6
			}
			return placedNoAddr(out, fam, opt == "-d")
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

// placedNoAddr is "! -s 0.0.0.0/0" (or ::/0), which iptables-legacy
// accepts and never matches. iptables-nft 1.8.9 cannot write it (it loads
// zero bytes, which the kernel refuses), and a native form it would read
// back as the rule (the address masked with zeros, compared not equal to
// zero) is printed by iptables-nft-save as a line iptables-nft-restore
// refuses, failing a whole restore of the host's tables. It is placed as
// what means the same and restores: xt_iprange negating the whole address
// range (iptables-nft-save prints "-m iprange ! --src-range
// 0.0.0.0-255.255.255.255").
func placedNoAddr(out []expr.Any, fam rule.Family, dst bool) ([]expr.Any, error) {
	lo, hi := netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{0xff, 0xff, 0xff, 0xff})
	if fam == rule.IPv6 {
		lo, hi = netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	}
	r := xt.IPRange{SrcMin: lo, SrcMax: hi, Flags: xt.IPRangeSrc | xt.IPRangeSrcInv}
	if dst {
		r = xt.IPRange{DstMin: lo, DstMax: hi, Flags: xt.IPRangeDst | xt.IPRangeDstInv}
	}
	x, err := xt.IPRangeMatch.Expr(r.Marshal())
	if err != nil {
		return nil, err
	}
	return append(out, x), nil
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

// familiesText names a set of families.
func familiesText(f xt.Families) string {
	switch f {
	case xt.IPv4:
		return "IPv4"
	case xt.IPv6:
		return "IPv6"
	}
	return "IPv4 and IPv6"
}
