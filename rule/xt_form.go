package rule

import "github.com/nftsync/nftsync/rule/xt"

// XtForm returns the xtables form of a match or target of a parsed rule:
// the registered extension (package rule/xt) and its info, byte for byte
// what iptables-nft writes for it, when the extension has one. The nft
// engine uses it to place such rules in iptables-nft's own tables, where
// the kernel accepts extensions that need a table named "mangle" or "nat".
func XtForm(ext any) (*xt.Ext, []byte, bool) {
	e, ok := ext.(xtEncoder)
	if !ok {
		return nil, nil, false
	}
	x, info := e.xtInfo()
	return x, info, x != nil
}
