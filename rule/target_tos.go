package rule

import (
	"fmt"

	"github.com/google/nftables/expr"
)

// TOS is -j TOS: rewrite the whole IPv4 TOS byte or IPv6 traffic class as
// (old & ^Mask) ^ Value, the two ECN bits included.
//
// iptables-translate 1.8.9 prints "ip6 dscp set ..." (for IPv4 rules too),
// which rewrites only the six DSCP bits and, with a partial mask, uses
// "and"/"xor" forms that nft cannot read. Only two forms have an exact nft
// equivalent: a full rewrite (Mask 0xff) and a rewrite of the DSCP bits
// alone (Mask 0xfc, Value without ECN bits). Every other TOS rule is refused.
type TOS struct {
	Value, Mask uint8
	fam         Family
	set         bool
}

// tosNames are the symbolic values of --set-tos; they come with mask 0x3f.
var tosNames = map[string]uint8{
	"minimize-delay": 0x10, "maximize-throughput": 0x08, "maximize-reliability": 0x04,
	"minimize-cost": 0x02, "normal-service": 0x00,
}

func newTOS(r *Rule) (Target, error) { return &TOS{fam: r.Family}, nil }

// Name returns "TOS".
func (t *TOS) Name() string { return "TOS" }

func (t *TOS) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--set-tos", "--and-tos", "--or-tos", "--xor-tos":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if t.set {
		return true, argError(opt, "TOS takes only one of --set-tos, --and-tos, --or-tos and --xor-tos")
	}
	t.set = true
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if opt == "--set-tos" {
		t.Value, t.Mask, err = parseTosMask(v)
		return true, err
	}
	n, err := tgUint(v, 0xff)
	if err != nil {
		return true, err
	}
	switch b := uint8(n); opt {
	case "--and-tos":
		t.Value, t.Mask = 0, ^b
	case "--or-tos":
		t.Value, t.Mask = b, b
	case "--xor-tos":
		t.Value, t.Mask = b, 0
	}
	return true, nil
}

func (t *TOS) finish(*Rule) error {
	if !t.set {
		return argError("-j TOS", "needs --set-tos, --and-tos, --or-tos or --xor-tos")
	}
	return nil
}

func (t *TOS) args() []string {
	return []string{"--set-tos", fmt.Sprintf("0x%02x/0x%02x", t.Value, t.Mask)}
}

// text is what iptables-translate 1.8.9 prints.
func (t *TOS) text() string {
	v, notMask := t.Value>>2, (^t.Mask)>>2
	const pre = "ip6 dscp set "
	switch {
	case t.Mask&0x3f == 0x3f:
		return fmt.Sprintf(pre+"0x%02x", v)
	case t.Value == 0:
		return fmt.Sprintf(pre+"ip6 dscp and 0x%02x", notMask)
	case t.Value == t.Mask:
		return fmt.Sprintf(pre+"ip6 dscp or 0x%02x", v)
	case t.Mask == 0:
		return fmt.Sprintf(pre+"ip6 dscp xor 0x%02x", v)
	}
	return fmt.Sprintf(pre+"ip6 dscp and 0x%02x xor 0x%02x", notMask, v)
}

func (t *TOS) xlate(x *xlator) error {
	text := t.text()
	switch {
	case t.Mask == 0xff && t.fam == IPv6:
		exact := fmt.Sprintf("@nh,4,8 set 0x%02x", t.Value)
		x.addExact(text, exact, "which rewrites only the DSCP bits (the TOS target rewrites the whole traffic class, ECN bits included)",
			payload(expr.PayloadBaseNetworkHeader, 0, 2),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: []byte{0xf0, 0x0f}, Xor: []byte{t.Value >> 4, t.Value << 4}},
			&expr.Payload{OperationType: expr.PayloadWrite, SourceRegister: 1, Base: expr.PayloadBaseNetworkHeader, Len: 2})
	case t.Mask == 0xff:
		exact := fmt.Sprintf("ip dscp set 0x%02x ip ecn set %d", t.Value>>2, t.Value&3)
		exprs := append(dscpWrite(IPv4, t.Value>>2),
			payload(expr.PayloadBaseNetworkHeader, 0, 2),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: []byte{0xff, 0xfc}, Xor: []byte{0, t.Value & 3}},
			&expr.Payload{OperationType: expr.PayloadWrite, SourceRegister: 1, Base: expr.PayloadBaseNetworkHeader, Len: 2,
				CsumType: expr.CsumTypeInet, CsumOffset: 10})
		x.addExact(text, exact, "which nft cannot read in an ip table and which would rewrite only the DSCP bits (the TOS target rewrites the whole TOS byte, ECN bits included)", exprs...)
	case t.Mask == 0xfc && t.Value&3 == 0:
		exact := fmt.Sprintf("%s dscp set 0x%02x", t.fam, t.Value>>2)
		if exact == text {
			x.add(text, dscpWrite(t.fam, t.Value>>2)...)
			break
		}
		x.addExact(text, exact, "which nft cannot read", dscpWrite(t.fam, t.Value>>2)...)
	default:
		// nft has no statement that rewrites part of the byte under a
		// mask, and the TOS target loads only in a table named mangle.
		return t.xlateXt(x, text) // target_tos_xt.go
	}
	return nil
}

// tosField names the byte TOS rewrites.
func tosField(f Family) string {
	if f == IPv6 {
		return "traffic class"
	}
	return "TOS byte"
}
