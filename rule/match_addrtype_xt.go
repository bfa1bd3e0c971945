package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// An addrtype match naming a route type nft's fib has no name for (THROW,
// NAT, XRESOLVE) is installed as the kernel's xt_addrtype itself, with
// iptables-translate's text (which names them, though nft reads none of
// them).

// needsXt reports whether the match names a type beyond nft's.
func (a *AddrType) needsXt() bool { return (a.Src|a.Dst)>>nftAddrTypes != 0 }

// xtText is libxt_addrtype's translation: the source types when there
// are any (the destination types are then left out), else the
// destination's.
func (a *AddrType) xtText() string {
	s, val := "fib saddr ", a.Src
	if a.Src == 0 {
		s, val = "fib daddr ", a.Dst
	}
	switch a.LimitIface {
	case "in":
		s += ". iif "
	case "out":
		s += ". oif "
	}
	s += "type "
	if a.SrcInvert || a.DstInvert {
		s += "!= "
	}
	var names []string
	for i, n := range addrTypes {
		if val&(1<<i) != 0 {
			names = append(names, strings.ToLower(n))
		}
	}
	if len(names) > 1 {
		return s + "{ " + strings.Join(names, ", ") + " }"
	}
	return s + strings.Join(names, "")
}

func (a *AddrType) xtXlate(x *xlator) error {
	if x.fam == IPv6 {
		return unsupported("-m addrtype %s: the kernel's addrtype refuses PROHIBIT, THROW, NAT and XRESOLVE in IPv6 rules", strings.Join(a.args(), " "))
	}
	ext, info := a.xtInfo()
	return x.addXt(a.xtText(), "which nft refuses (its fib has no type "+formatAddrTypes((a.Src|a.Dst)&^(1<<nftAddrTypes-1))+")", ext, info)
}

// hooks: xt_addrtype refuses an input interface limit where packets have
// none (OUTPUT, POSTROUTING) and an output one before routing (PREROUTING,
// INPUT); iptables refuses those rules whatever the backend.
func (a *AddrType) hooks() xt.Hooks {
	switch a.LimitIface {
	case "in":
		return xt.AllHooks &^ (xt.LocalOut | xt.PostRouting)
	case "out":
		return xt.AllHooks &^ (xt.PreRouting | xt.LocalIn)
	}
	return xt.AllHooks
}

// xtInfo encodes the match as struct xt_addrtype_info_v1.
func (a *AddrType) xtInfo() (*xt.Ext, []byte) {
	k := xt.AddrType{Source: a.Src, Dest: a.Dst}
	if a.SrcInvert {
		k.Flags |= xt.AddrTypeInvertSource
	}
	if a.DstInvert {
		k.Flags |= xt.AddrTypeInvertDest
	}
	switch a.LimitIface {
	case "in":
		k.Flags |= xt.AddrTypeLimitIfaceIn
	case "out":
		k.Flags |= xt.AddrTypeLimitIfaceOut
	}
	return xt.AddrTypeMatch, k.Marshal()
}
