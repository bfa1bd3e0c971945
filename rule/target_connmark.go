package rule

import (
	"fmt"
	"strconv"

	"github.com/google/nftables/expr"
)

// ConnMark is -j CONNMARK: set the connection mark, or copy marks between
// the packet and its connection.
type ConnMark struct {
	// Mode is "set", "save" or "restore".
	Mode string
	// Value and CTMask: for "set", ctmark = (ctmark & ^CTMask) ^ Value.
	Value uint32
	// NFMask and CTMask select the bits copied by "save" and "restore".
	NFMask, CTMask uint32
	// Shift is --left-shift-mark (negative: --right-shift-mark) bits.
	Shift     int
	masks     bool
	shiftSeen bool
}

func newConnMark(*Rule) (Target, error) {
	return &ConnMark{NFMask: 0xffffffff, CTMask: 0xffffffff}, nil
}

// Name returns "CONNMARK".
func (c *ConnMark) Name() string { return "CONNMARK" }

func (c *ConnMark) parse(p *parser, opt string, invert bool) (bool, error) {
	switch opt {
	case "--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark",
		"--save-mark", "--restore-mark", "--mask", "--nfmask", "--ctmask",
		"--left-shift-mark", "--right-shift-mark":
	default:
		return false, nil
	}
	if err := noInvert(opt, invert); err != nil {
		return true, err
	}
	switch opt {
	case "--save-mark", "--restore-mark":
		if c.Mode != "" {
			return true, argError(opt, "CONNMARK takes only one operation")
		}
		c.Mode = opt[2 : len(opt)-5]
		return true, nil
	case "--mask", "--nfmask", "--ctmask":
		v, err := tgValue(p, opt, 0xffffffff)
		if err != nil {
			return true, err
		}
		if opt != "--ctmask" {
			c.NFMask = uint32(v)
		}
		if opt != "--nfmask" {
			c.CTMask = uint32(v)
		}
		c.masks = true
		return true, nil
	case "--left-shift-mark", "--right-shift-mark":
		if c.shiftSeen {
			return true, argError(opt, "only one shift may be given")
		}
		v, err := tgValue(p, opt, 31)
		if err != nil {
			return true, err
		}
		c.Shift, c.shiftSeen = int(v), true
		if opt == "--right-shift-mark" {
			c.Shift = -c.Shift
		}
		return true, nil
	}
	if c.Mode != "" {
		return true, argError(opt, "CONNMARK takes only one operation")
	}
	c.Mode = "set"
	return parseXMark(p, opt, &c.Value, &c.CTMask)
}

func (c *ConnMark) finish(*Rule) error {
	switch {
	case c.Mode == "":
		return argError("-j CONNMARK", "needs an operation (--set-xmark, --save-mark, --restore-mark, ...)")
	case c.Mode == "set" && c.masks:
		return argError("--mask", "only goes with --save-mark or --restore-mark (write --set-xmark VALUE/MASK)")
	}
	return nil
}

func (c *ConnMark) args() []string {
	var out []string
	if c.Mode == "set" {
		out = []string{"--set-xmark", fmt.Sprintf("0x%x/0x%x", c.Value, c.CTMask)}
	} else {
		out = []string{"--" + c.Mode + "-mark", "--nfmask", fmt.Sprintf("0x%x", c.NFMask), "--ctmask", fmt.Sprintf("0x%x", c.CTMask)}
	}
	switch {
	case c.Shift > 0:
		out = append(out, "--left-shift-mark", strconv.Itoa(c.Shift))
	case c.Shift < 0:
		out = append(out, "--right-shift-mark", strconv.Itoa(-c.Shift))
	}
	return out
}

func (c *ConnMark) xlate(x *xlator) error {
	if c.Shift != 0 {
		// iptables-translate's "( ... ) >> N" is parsed by nft 1.0.6 into
		// something else than the shift of the masked mark.
		return unsupported("CONNMARK with a mark shift")
	}
	ctLoad := &expr.Ct{Key: expr.CtKeyMARK, Register: 1}
	ctStore := &expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1}
	full := c.NFMask == 0xffffffff && c.CTMask == 0xffffffff
	switch c.Mode {
	case "save":
		if !full {
			return unsupported("CONNMARK --save-mark with masks")
		}
		x.add("ct mark set mark", meta(expr.MetaKeyMARK), ctStore)
		return nil
	case "restore":
		if !full {
			return unsupported("CONNMARK --restore-mark with masks")
		}
		x.add("meta mark set ct mark", ctLoad, &expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1})
		return nil
	}
	if c.CTMask != 0xffffffff && c.Value != 0 && c.Value != c.CTMask && c.CTMask != 0 {
		// iptables-translate prints "ct mark xor V and ^M", which nft reads
		// as ct mark ^ (V & ^M): not (ct mark & ^M) ^ V, what CONNMARK does.
		return unsupported("CONNMARK --set-xmark 0x%x/0x%x (the translation iptables prints has another meaning)", c.Value, c.CTMask)
	}
	text, exprs := xmark("ct mark", ctLoad, c.Value, c.CTMask)
	x.add("ct mark set "+text, append(exprs, ctStore)...)
	return nil
}
