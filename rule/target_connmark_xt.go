package rule

import (
	"fmt"

	"github.com/nftsync/nftsync/rule/xt"
)

// xlateXt installs CONNMARK itself for --save-mark and --restore-mark with
// masks: iptables-translate prints "mark and M" (M when both masks are
// equal, else no mask at all), which clears the bits of the destination
// outside M, where CONNMARK keeps them, and nft has no statement that
// merges two marks under two masks.
func (c *ConnMark) xlateXt(x *xlator) error {
	src, dst := "mark", "ct mark set "
	if c.Mode == "restore" {
		src, dst = "ct mark", "meta mark set "
	}
	text := src
	if c.NFMask == c.CTMask {
		text = fmt.Sprintf("%s and 0x%x", src, c.NFMask)
	}
	if c.Shift != 0 {
		text = "( " + text + " ) " + shiftText(c.Shift)
	}
	ext, info := c.xtInfo()
	return x.addXt(dst+text, "which clears the destination's bits outside the mask, where CONNMARK keeps them", ext, info)
}

// xtInfo encodes the target as struct xt_connmark_tginfo2.
func (c *ConnMark) xtInfo() (*xt.Ext, []byte) {
	info := xt.Connmark{CTMark: c.Value, CTMask: c.CTMask, NFMask: c.NFMask,
		Mode: map[string]uint8{"set": xt.ConnmarkSet, "save": xt.ConnmarkSave, "restore": xt.ConnmarkRestore}[c.Mode]}
	if c.Mode == "set" {
		info.NFMask = 0
	}
	switch {
	case c.Shift > 0:
		info.ShiftDir, info.ShiftBits = xt.ConnmarkShiftLeft, uint8(c.Shift)
	case c.Shift < 0:
		info.ShiftDir, info.ShiftBits = xt.ConnmarkShiftRight, uint8(-c.Shift)
	}
	return xt.ConnmarkTarget, info.Marshal()
}
