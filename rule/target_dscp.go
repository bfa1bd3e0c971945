package rule

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
)

// DSCP is -j DSCP: rewrite the DSCP bits of the IPv4 TOS or IPv6 traffic
// class field.
type DSCP struct {
	Value uint8 // 0-63
	fam   Family
	set   bool
}

// dscpClasses are the names --set-dscp-class accepts.
var dscpClasses = map[string]uint8{
	"cs0": 0x00, "cs1": 0x08, "cs2": 0x10, "cs3": 0x18, "cs4": 0x20, "cs5": 0x28, "cs6": 0x30, "cs7": 0x38,
	"be": 0x00, "af11": 0x0a, "af12": 0x0c, "af13": 0x0e, "af21": 0x12, "af22": 0x14, "af23": 0x16,
	"af31": 0x1a, "af32": 0x1c, "af33": 0x1e, "af41": 0x22, "af42": 0x24, "af43": 0x26, "ef": 0x2e,
}

func newDSCP(r *Rule) (Target, error) { return &DSCP{fam: r.Family}, nil }

// Name returns "DSCP".
func (d *DSCP) Name() string { return "DSCP" }

func (d *DSCP) parse(p *parser, opt string, invert bool) (bool, error) {
	if opt != "--set-dscp" && opt != "--set-dscp-class" {
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	if d.set {
		return true, argError(opt, "DSCP takes only one of --set-dscp and --set-dscp-class")
	}
	d.set = true
	v, err := p.value(opt)
	if err != nil {
		return true, err
	}
	if opt == "--set-dscp-class" {
		n, ok := dscpClasses[strings.ToLower(v)]
		if !ok {
			return true, argError(v, "unknown DSCP class")
		}
		d.Value = n
		return true, nil
	}
	n, err := tgUint(v, 63)
	if err != nil {
		return true, err
	}
	d.Value = uint8(n)
	return true, nil
}

func (d *DSCP) finish(*Rule) error {
	if !d.set {
		return argError("-j DSCP", "needs --set-dscp or --set-dscp-class")
	}
	return nil
}

func (d *DSCP) args() []string { return []string{"--set-dscp", fmt.Sprintf("0x%02x", d.Value)} }

func (d *DSCP) xlate(x *xlator) error {
	x.add(fmt.Sprintf("%s dscp set 0x%02x", d.fam, d.Value), dscpWrite(d.fam, d.Value)...)
	return nil
}

// dscpWrite rewrites the DSCP bits of the first two bytes of the network
// header as nft does: load, mask and set, write back (fixing the IPv4
// header checksum).
func dscpWrite(fam Family, v uint8) []expr.Any {
	mask, xor := []byte{0xff, 0x03}, []byte{0, v << 2}
	write := &expr.Payload{OperationType: expr.PayloadWrite, SourceRegister: 1, Base: expr.PayloadBaseNetworkHeader, Len: 2,
		CsumType: expr.CsumTypeInet, CsumOffset: 10}
	if fam == IPv6 {
		mask, xor = []byte{0xf0, 0x3f}, []byte{v >> 2, v << 6}
		write.CsumType, write.CsumOffset = expr.CsumTypeNone, 0
	}
	return []expr.Any{
		payload(expr.PayloadBaseNetworkHeader, 0, 2),
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: mask, Xor: xor},
		write,
	}
}
