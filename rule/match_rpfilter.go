package rule

import (
	"strings"

	"github.com/nftsync/nftsync/rule/xt"
)

// RPFilter is the rpfilter match: a reverse-path lookup of the source
// address finds a route out of the interface the packet came in by (any
// interface with --loose), taking the packet mark into account with
// --validmark; --accept-local also accepts local source addresses.
//
// nft's fib expression returns an interface for routes xt_rpfilter
// refuses (broadcast, blackhole, unreachable), and the kernel loads
// xt_rpfilter only in tables named raw or mangle: nftsync refuses the
// match (translate still prints iptables-translate's text, with a
// warning).
type RPFilter struct {
	Flags uint8
}

// Name returns "rpfilter".
func (m *RPFilter) Name() string   { return "rpfilter" }
func (m *RPFilter) stateful() bool { return false }

// rpfilterOptions are the options in iptables-save order.
var rpfilterOptions = []struct {
	opt  string
	flag uint8
}{{"--loose", xt.RPFilterLoose}, {"--validmark", xt.RPFilterValidMark}, {"--accept-local", xt.RPFilterAcceptLocal}, {"--invert", xt.RPFilterInvert}}

func (m *RPFilter) parse(_ *parser, opt string, invert bool) (bool, error) {
	for _, o := range rpfilterOptions {
		if o.opt == opt {
			if err := noInvert(opt, invert); err != nil {
				return true, err
			}
			m.Flags |= o.flag
			return true, nil
		}
	}
	return false, nil
}

func (m *RPFilter) finish(*Rule) error { return nil }

func (m *RPFilter) args() []string {
	var out []string
	for _, o := range rpfilterOptions {
		if m.Flags&o.flag != 0 {
			out = append(out, o.opt)
		}
	}
	return out
}

func (m *RPFilter) xlate(x *xlator) error {
	ext, info := m.xtInfo()
	return x.addXt(m.text(), "which returns an interface for routes xt_rpfilter refuses (broadcast, blackhole, unreachable)", ext, info)
}

// text is the fib expression iptables-translate prints.
func (m *RPFilter) text() string {
	keys := []string{"saddr"}
	if m.Flags&xt.RPFilterValidMark != 0 {
		keys = append(keys, "mark")
	}
	if m.Flags&xt.RPFilterLoose == 0 {
		keys = append(keys, "iif")
	}
	cmp := "!= 0"
	if m.Flags&xt.RPFilterInvert != 0 {
		cmp = "0"
	}
	return "fib " + strings.Join(keys, " . ") + " oif " + cmp
}

// xtInfo encodes the match as struct xt_rpfilter_info.
func (m *RPFilter) xtInfo() (*xt.Ext, []byte) {
	return xt.RPFilterMatch, xt.RPFilter{Flags: m.Flags}.Marshal()
}
