package rule

import "github.com/nftsync/nftsync/rule/xt"

// xlate installs nft's fib statements, or xt_addrtype for the address
// types nft has no name for (THROW, NAT, XRESOLVE).
func (a *AddrType) xlate(x *xlator) error { return xlateOrXt(x, a.xlateNative, a) }

// xtInfo encodes the match as struct xt_addrtype_info_v1.
func (a *AddrType) xtInfo() (*xt.Ext, []byte) {
	i := xt.AddrType{Source: a.Src, Dest: a.Dst}
	for _, f := range []struct {
		on   bool
		flag uint32
	}{{a.SrcInvert, xt.AddrTypeInvertSource}, {a.DstInvert, xt.AddrTypeInvertDest},
		{a.LimitIface == "in", xt.AddrTypeLimitIfaceIn}, {a.LimitIface == "out", xt.AddrTypeLimitIfaceOut}} {
		if f.on {
			i.Flags |= f.flag
		}
	}
	return xt.AddrTypeMatch, i.Marshal()
}

// hooks are the hooks xt_addrtype's checkentry (and nft's fib) accept
// for --limit-iface-in (where packets have an input interface) and
// --limit-iface-out (an output one).
func (a *AddrType) hooks() xt.Hooks {
	switch a.LimitIface {
	case "in":
		return xt.PreRouting | xt.LocalIn | xt.Forward
	case "out":
		return xt.Forward | xt.LocalOut | xt.PostRouting
	}
	return xt.AllHooks
}
