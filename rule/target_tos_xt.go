package rule

import (
	"fmt"

	"github.com/nftsync/nftsync/rule/xt"
)

// xlateXt is the TOS target itself, for a partial rewrite (--set-tos
// V/M with another mask than 0xff or 0xfc): nft has no statement that
// rewrites part of the byte under a mask, and the kernel loads xt_TOS only
// in a table named mangle, so the rule is refused (translate prints text,
// iptables-translate's, with a warning).
func (t *TOS) xlateXt(x *xlator, text string) error {
	ext, info := t.xtInfo()
	return x.addXt(text, fmt.Sprintf("which changes other bits of the %s or cannot be read", tosField(t.fam)), ext, info)
}

// xtInfo encodes the target as struct xt_tos_target_info.
func (t *TOS) xtInfo() (*xt.Ext, []byte) {
	return xt.TOSTarget, xt.TOS{Value: t.Value, Mask: t.Mask}.Marshal()
}
