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
	ctLoad := &expr.Ct{Key: expr.CtKeyMARK, Register: 1}
	ctStore := &expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1}
	full := c.NFMask == 0xffffffff && c.CTMask == 0xffffffff
	// text is the value iptables-translate prints, exact the one nft reads
	// with CONNMARK's meaning; exprs leave that value in register 1.
	var text, exact string
	var exprs []expr.Any
	dst, store := "ct mark set ", expr.Any(ctStore)
	// wrong is set when nft reads text as something else: what it reads and
	// what CONNMARK does.
	var wrong [2]string
	switch c.Mode {
	case "save", "restore":
		if !full {
			return c.xlateXt(x) // target_connmark_xt.go
		}
		text, exprs = "mark", []expr.Any{meta(expr.MetaKeyMARK)}
		if c.Mode == "restore" {
			dst, store = "meta mark set ", &expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1}
			text, exprs = "ct mark", []expr.Any{ctLoad}
		}
		exact = text
	default:
		exact, exprs = xmark("ct mark", ctLoad, c.Value, c.CTMask)
		text = exact
		if c.CTMask == 0xffffffff && c.Shift != 0 {
			// iptables-translate prints "( 0xV  ) >> N", on which nft
			// 1.0.6 aborts; the shifted constant is the same value.
			var v uint32
			if c.Shift < 0 {
				v = c.Value >> -c.Shift
			} else {
				v = c.Value << c.Shift
			}
			text = fmt.Sprintf("( 0x%x  ) %s", c.Value, shiftText(c.Shift))
			x.addExact(dst+text, fmt.Sprintf("%s0x%x", dst, v), "on which nft 1.0.6 aborts (a shifted constant)",
				&expr.Immediate{Register: 1, Data: ne32(v)}, store)
			return nil
		}
		if c.Value != 0 && c.Value != c.CTMask && c.CTMask != 0 && c.CTMask != 0xffffffff {
			// iptables-translate prints "ct mark xor V and ^M", which nft
			// reads as ct mark ^ (V & ^M), not as (ct mark & ^M) ^ V.
			text = fmt.Sprintf("ct mark xor 0x%x and 0x%x", c.Value, ^c.CTMask)
			wrong = [2]string{fmt.Sprintf("ct mark ^ (0x%x & 0x%x)", c.Value, ^c.CTMask), fmt.Sprintf("(ct mark & 0x%x) ^ 0x%x", ^c.CTMask, c.Value)}
		}
	}
	if c.Shift != 0 {
		text = "( " + text + " ) " + shiftText(c.Shift)
		exact = "( " + exact + " ) " + shiftText(c.Shift)
		exprs = append(exprs, shiftMark(c.Shift))
		wrong = [2]string{"(" + wrong[0] + ") " + shiftText(c.Shift), "(" + wrong[1] + ") " + shiftText(c.Shift)}
	}
	exprs = append(exprs, store)
	if text == exact {
		x.add(dst+text, exprs...)
		return nil
	}
	x.addExact(dst+text, dst+exact, fmt.Sprintf("which nft reads as %s, not as CONNMARK's %s", wrong[0], wrong[1]), exprs...)
	return nil
}

// shiftText prints a mark shift as nft writes it (negative: right).
func shiftText(n int) string {
	if n < 0 {
		return ">> " + strconv.Itoa(-n)
	}
	return "<< " + strconv.Itoa(n)
}
