package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// Socket is the socket match: a local socket exists for the packet
// (bound to a specific address unless --nowildcard; transparent with
// --transparent); --restore-skmark copies the socket's mark to the packet.
//
// iptables-translate prints "socket wildcard/transparent" and "meta mark
// set socket mark", which does not match a packet of a timewait socket
// (nft's socket mark breaks the rule where xt_socket matches and leaves
// the mark): nftsync installs xt_socket itself.
type Socket struct {
	Flags uint8
}

// socketOpts are the options in iptables-save order, with their flags.
var socketOpts = []struct {
	name string
	flag uint8
}{
	{"--transparent", xt.SocketTransparent},
	{"--nowildcard", xt.SocketNoWildcard},
	{"--restore-skmark", xt.SocketRestoreSKMark},
}

// Name returns "socket".
func (m *Socket) Name() string { return "socket" }

// stateful: --restore-skmark sets the packet's mark, which later matches
// of the rule see.
func (m *Socket) stateful() bool { return m.Flags&xt.SocketRestoreSKMark != 0 }

func (m *Socket) parse(p *parser, opt string, invert bool) (bool, error) {
	for _, o := range socketOpts {
		if o.name != opt {
			continue
		}
		if err := noInvert(opt, invert); err != nil {
			return true, err
		}
		if m.Flags&o.flag != 0 {
			return true, argError(opt, "may only be given once")
		}
		m.Flags |= o.flag
		return true, nil
	}
	return false, nil
}

func (m *Socket) finish(*Rule) error { return nil }

func (m *Socket) args() []string {
	var out []string
	for _, o := range socketOpts {
		if m.Flags&o.flag != 0 {
			out = append(out, o.name)
		}
	}
	return out
}

// text is iptables-translate's.
func (m *Socket) text() string {
	if m.Flags == xt.SocketNoWildcard {
		return "socket wildcard le 1"
	}
	var parts []string
	if m.Flags&xt.SocketNoWildcard == 0 {
		parts = append(parts, "socket wildcard 0")
	}
	if m.Flags&xt.SocketTransparent != 0 {
		parts = append(parts, "socket transparent 1")
	}
	if m.Flags&xt.SocketRestoreSKMark != 0 {
		parts = append(parts, "meta mark set socket mark")
	}
	return strings.Join(parts, " ")
}

func (m *Socket) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(m.text(), "which nft evaluates for the socket of a packet without xt_socket's exceptions (a timewait socket has no mark to restore: nft's rule stops there)", ext, info)
}

// xtInfo encodes the match as struct xt_socket_mtinfo3.
func (m *Socket) xtInfo() (*xt.Ext, []byte) {
	return xt.SocketMatch, xt.Socket{Flags: m.Flags}.Marshal()
}
